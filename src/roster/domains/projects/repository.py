"""Statements over projects and what belongs to them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.core.queries import taken
from roster.domains.groups.models import Group
from roster.domains.numbers.models import Number
from roster.domains.projects.models import Project, ProjectMember
from roster.domains.skills.models import Skill
from roster.domains.users.models import User

register_unique("uq_projects_tenant_id_name", "name", "project_exists",
                "This project exists already.")
_TABLES = {"user": User, "group": Group, "skill": Skill, "number": Number}


async def get(db: AsyncSession, tenant_id: int, project_id: int) -> Project | None:
    stmt = select(Project).where(Project.tenant_id == tenant_id, Project.id == project_id)
    return (await db.execute(stmt)).scalar()


async def name_taken(db: AsyncSession, tenant_id: int, name: str,
                     exclude: int | None) -> bool:
    return await taken(db, Project, tenant_id=tenant_id, exclude_id=exclude, name=name)


async def list_page(db: AsyncSession, tenant_id: int, page: PageParams) -> list[Project]:
    stmt = select(Project).where(Project.tenant_id == tenant_id)
    return list((await db.execute(paginate(stmt, Project.id, page))).scalars())


async def object_in_tenant(db: AsyncSession, tenant_id: int, kind: str, object_id: int) -> bool:
    table = _TABLES[kind]
    stmt = select(table.id).where(table.tenant_id == tenant_id, table.id == object_id)
    return (await db.execute(stmt)).first() is not None


async def member(db: AsyncSession, project_id: int, kind: str, object_id: int
                 ) -> ProjectMember | None:
    return await db.get(ProjectMember, (project_id, kind, object_id))


async def members(db: AsyncSession, project_id: int) -> list[ProjectMember]:
    stmt = (select(ProjectMember).where(ProjectMember.project_id == project_id)
            .order_by(ProjectMember.kind, ProjectMember.object_id))
    return list((await db.execute(stmt)).scalars())


async def projects_of_user(db: AsyncSession, user_id: int) -> list[int]:
    stmt = select(ProjectMember.project_id).where(ProjectMember.kind == "user",
                                                  ProjectMember.object_id == user_id)
    return sorted(p for (p,) in await db.execute(stmt))


async def memberships_of(db: AsyncSession, kind: str, object_id: int) -> list[ProjectMember]:
    stmt = select(ProjectMember).where(ProjectMember.kind == kind,
                                       ProjectMember.object_id == object_id)
    return list((await db.execute(stmt)).scalars())
