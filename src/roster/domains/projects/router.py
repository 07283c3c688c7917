from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Response

from roster.core.errors import found
from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import Id
from roster.core.routing import tenant_router as make_tenant_router
from roster.core.uow import DB
from roster.domains.projects import repository as repo
from roster.domains.projects import service
from roster.domains.projects.schemas import (
    ProjectCreate,
    ProjectMemberIn,
    ProjectMemberOut,
    ProjectOut,
    ProjectUpdate,
)

router = make_tenant_router("/projects", ["projects"])


async def _project(db, actor: Actor, project_id: int):
    return found(await repo.get(db, actor.tenant_id, project_id), "project")


@router.post("", status_code=201, response_model=ProjectOut)
async def create_project(body: ProjectCreate, db: DB, response: Response,
                         actor: Annotated[Actor, Requires("projects.manage")]) -> ProjectOut:
    """OKI-11: a department of the tenant."""
    project = await service.create_project(db, tenant_id=actor.tenant_id, data=body)
    response.headers["Location"] = f"/api/v1/tenants/{actor.tenant.slug}/projects/{project.id}"
    return ProjectOut.model_validate(project)


@router.get("", response_model=Page[ProjectOut])
async def list_projects(db: DB, page: Paging,
                        actor: Annotated[Actor, Requires("projects.read")]) -> Page[ProjectOut]:
    rows, cursor = page_of(await repo.list_page(db, actor.tenant_id, page), page)
    return Page(items=[ProjectOut.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/{project_id}", response_model=ProjectOut)
async def get_project(project_id: Id, db: DB,
                      actor: Annotated[Actor, Requires("projects.read")]) -> ProjectOut:
    return ProjectOut.model_validate(await _project(db, actor, project_id))


@router.patch("/{project_id}", response_model=ProjectOut)
async def update_project(project_id: Id, body: ProjectUpdate, db: DB,
                         actor: Annotated[Actor, Requires("projects.manage")]) -> ProjectOut:
    project = await service.update_project(db, project=await _project(db, actor, project_id),
                                           data=body)
    return ProjectOut.model_validate(project)


@router.delete("/{project_id}", status_code=204)
async def delete_project(project_id: Id, db: DB,
                         actor: Annotated[Actor, Requires("projects.manage")]) -> Response:
    await service.delete_project(db, project=await _project(db, actor, project_id))
    return Response(status_code=204)


@router.get("/{project_id}/members", response_model=list[ProjectMemberOut])
async def list_members(project_id: Id, db: DB,
                       actor: Annotated[Actor, Requires("projects.read")]
                       ) -> list[ProjectMemberOut]:
    project = await _project(db, actor, project_id)
    return [ProjectMemberOut(kind=m.kind, id=m.object_id) for m in await repo.members(db,
                                                                                       project.id)]


@router.post("/{project_id}/members", status_code=201, response_model=ProjectMemberOut)
async def add_member(project_id: Id, body: ProjectMemberIn, db: DB,
                     actor: Annotated[Actor, Requires("projects.manage")]) -> ProjectMemberOut:
    project = await _project(db, actor, project_id)
    await service.add_member(db, project=project, data=body, actor=actor)
    return ProjectMemberOut(kind=body.kind, id=body.id)


@router.delete("/{project_id}/members/{kind}/{object_id}", status_code=204)
async def remove_member(project_id: Id, kind: Literal["user", "group", "skill", "number"],
                        object_id: Id, db: DB,
                        actor: Annotated[Actor, Requires("projects.manage")]) -> Response:
    await service.remove_member(db, project=await _project(db, actor, project_id), kind=kind,
                                object_id=object_id)
    return Response(status_code=204)
