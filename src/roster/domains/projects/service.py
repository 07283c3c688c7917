"""Projects: a tenant's departments; users and catalogue objects belong to them (OKI-11)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.catalogue import update_entry
from roster.core.errors import FieldError, Problem, already_member, conflict, found, invalid
from roster.core.permissions import Actor
from roster.domains.projects import repository as repo
from roster.domains.projects import rules
from roster.domains.projects.models import Project, ProjectMember
from roster.domains.projects.schemas import ProjectCreate, ProjectMemberIn, ProjectUpdate


async def create_project(db: AsyncSession, *, tenant_id: int, data: ProjectCreate) -> Project:
    """Add a project (department) to the tenant."""
    errors = rules.check_name(data.name)
    if errors:
        raise invalid(*errors)
    if await repo.name_taken(db, tenant_id, data.name, None):
        raise conflict("name", "project_exists", "This project exists already.")
    project = Project(tenant_id=tenant_id, name=data.name, description=data.description)
    db.add(project)
    await db.flush()
    return project


async def update_project(db: AsyncSession, *, project: Project, data: ProjectUpdate) -> Project:
    values = data.model_dump(exclude_unset=True)
    errors = rules.check_name(values["name"]) if values.get("name") is not None else []
    if errors:
        raise invalid(*errors)
    return await update_entry(
        db, project, values,
        name_taken=lambda name: repo.name_taken(db, project.tenant_id, name, project.id),
        taken=("project_exists", "This project exists already."))


async def delete_project(db: AsyncSession, *, project: Project) -> None:
    await db.delete(project)
    await db.flush()


async def add_member(db: AsyncSession, *, project: Project, data: ProjectMemberIn,
                     actor: Actor | None = None) -> None:
    """A user, group, skill or number joins the project. Its people become visible to those
    holding a role within the project (OKI-11), so a principal that does not see the whole
    tenant adds only users it sees itself, and no groups."""
    scope = actor.principal.user_scope if actor is not None else None
    unknown = invalid(FieldError("id", "unknown_object", f"No such {data.kind} in this tenant."))
    if data.kind == "user" and scope is not None and data.id not in scope:
        raise unknown
    if data.kind == "group" and scope is not None:
        raise Problem(403, "Forbidden", "Only a principal that sees the whole tenant adds a "
                      "group of people to a project.", code="escalation")
    if not await repo.object_in_tenant(db, project.tenant_id, data.kind, data.id):
        raise unknown
    if await repo.member(db, project.id, data.kind, data.id) is not None:
        raise already_member("id", "Already in the project.")
    db.add(ProjectMember(project_id=project.id, kind=data.kind, object_id=data.id,
                         tenant_id=project.tenant_id))
    await db.flush()


async def remove_member(db: AsyncSession, *, project: Project, kind: str, object_id: int) -> None:
    row = found(await repo.member(db, project.id, kind, object_id), "member")
    await db.delete(row)
    await db.flush()


class RemoveMemberships:
    """Before users are deleted: their project memberships go with them (memberships point at
    objects of several kinds, so no foreign key removes them)."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        for row in batch.rows:
            for member in await repo.memberships_of(db, "user", row.id):
                await db.delete(member)
        await db.flush()
