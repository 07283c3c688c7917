"""Projects: a tenant's departments; users and catalogue objects belong to them (OKI-11)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core import events
from roster.core.errors import FieldError, Problem, conflict, invalid, not_found
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
    if "name" in values:
        if values["name"] is None:
            raise invalid(FieldError("name", "required", "This field cannot be null."))
        errors = rules.check_name(values["name"])
        if errors:
            raise invalid(*errors)
        if await repo.name_taken(db, project.tenant_id, values["name"], project.id):
            raise conflict("name", "project_exists", "This project exists already.")
    for key, value in values.items():
        setattr(project, key, value)
    await db.flush()
    return project


async def delete_project(db: AsyncSession, *, project: Project) -> None:
    await db.delete(project)
    await db.flush()


async def add_member(db: AsyncSession, *, project: Project, data: ProjectMemberIn) -> None:
    """A user, group, skill or number joins the project."""
    if not await repo.object_in_tenant(db, project.tenant_id, data.kind, data.id):
        raise invalid(FieldError("id", "unknown_object", f"No such {data.kind} in this tenant."))
    if await repo.member(db, project.id, data.kind, data.id) is not None:
        raise Problem(409, "Conflict", "Already in the project.",
                      [FieldError("id", "already_member", "Already in the project.")],
                      code="already_member")
    db.add(ProjectMember(project_id=project.id, kind=data.kind, object_id=data.id,
                         tenant_id=project.tenant_id))
    await db.flush()


async def remove_member(db: AsyncSession, *, project: Project, kind: str, object_id: int) -> None:
    row = await repo.member(db, project.id, kind, object_id)
    if row is None:
        raise not_found("member")
    await db.delete(row)
    await db.flush()


async def _on_user_deleting(db: AsyncSession, *, user, **_) -> None:
    # Memberships point at objects of several kinds, so no foreign key removes them.
    for row in await repo.memberships_of(db, "user", user.id):
        await db.delete(row)


events.subscribe("user.deleting", _on_user_deleting)
