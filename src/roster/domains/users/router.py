from __future__ import annotations

from typing import Annotated, Literal

from fastapi import File, Query, Response, UploadFile
from fastapi.responses import FileResponse

from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import MAX_ID, Id, tenant_router
from roster.core.uow import DB
from roster.domains.users import service
from roster.domains.users.repository import UserFilters
from roster.domains.users.schemas import (
    CallPermission,
    RoleName,
    UserBatchCreate,
    UserBatchOut,
    UserBatchUpdate,
    UserCreate,
    UserOut,
    UserWrite,
)

router = tenant_router("/users", ["users"])
SortKey = Literal["id", "-id", "full_name", "-full_name", "login", "-login", "email", "-email",
                  "extension", "-extension"]


async def _one(db, actor: Actor, user) -> UserOut:
    (out,) = await service.render(db, tenant=actor.tenant, users=[user])
    return out


@router.post("", status_code=201, response_model=UserOut)
async def create_user(body: UserCreate, db: DB, response: Response,
                      actor: Annotated[Actor, Requires("users.create")]) -> UserOut:
    user = await service.create_user(db, tenant=actor.tenant, data=body, actor=actor)
    response.headers["Location"] = f"/api/v1/tenants/{actor.tenant.slug}/users/{user.id}"
    (out,) = await service.render(db, tenant=actor.tenant, users=[user], fresh=True,
                                  did=await service.did_of(db, user) if body.did else None)
    return out


@router.post("/batch", status_code=201, response_model=UserBatchOut,
             responses={409: {"description": "a row conflicts: see errors[].row"},
                        422: {"description": "a row is invalid: see errors[].row"}})
async def create_users(body: UserBatchCreate, db: DB,
                       actor: Annotated[Actor, Requires("users.create")]) -> UserBatchOut:
    """Create many users at once, with the rules of a single create; errors name their row
    (``errors[].row``), and nothing is created unless every row is right."""
    ids = await service.create_users(db, tenant=actor.tenant, rows=body.users, actor=actor)
    return UserBatchOut(items=await service.render(db, tenant=actor.tenant,
                                                   users=await service.users_by_ids(
                                                       db, tenant=actor.tenant, ids=ids)))


@router.patch("/batch", response_model=UserBatchOut,
              responses={409: {"description": "a row conflicts: see errors[].row"},
                         422: {"description": "a row is invalid: see errors[].row"}})
async def update_users(body: UserBatchUpdate, db: DB,
                       actor: Annotated[Actor, Requires("users.update")]) -> UserBatchOut:
    """Change many users at once (each row: ``id`` and the fields to change); all or nothing."""
    ids = await service.update_users(
        db, tenant=actor.tenant, actor=actor,
        changes=[service.UserChange(row.id, row.change()) for row in body.users])
    return UserBatchOut(items=await service.render(db, tenant=actor.tenant,
                                                   users=await service.users_by_ids(
                                                       db, tenant=actor.tenant, ids=ids)))


@router.get("", response_model=Page[UserOut])
async def list_users(
    db: DB, page: Paging, actor: Annotated[Actor, Requires("users.read")],
    role: RoleName | None = None,
    group: Annotated[int | None, Query(ge=1, le=MAX_ID, description="group id")] = None,
    skill: Annotated[str | None, Query(max_length=80, description="skill name")] = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=200,
                                   description="text in name, login, e-mail or extension")] = None,
    project: Annotated[int | None, Query(ge=1, le=MAX_ID, description="project id (OKI-11)")
                       ] = None,
    sort: Annotated[SortKey, Query(description="order; '-' in front: descending")] = "id",
) -> Page[UserOut]:
    filters = UserFilters(role=role, group_id=group, skill=skill, active=active, q=q,
                          project_id=project, sort=sort)
    rows, cursor = page_of(await service.list_users(db, actor=actor, filters=filters, page=page),
                           page)
    return Page(items=await service.render(db, tenant=actor.tenant, users=rows),
                next_cursor=cursor)


@router.get("/{user_id}", response_model=UserOut)
async def get_user(user_id: Id, db: DB,
                   actor: Annotated[Actor, Requires("users.read")]) -> UserOut:
    return await _one(db, actor, await service.get_user(db, actor=actor, user_id=user_id))


@router.patch("/{user_id}", response_model=UserOut)
async def update_user(user_id: Id, body: UserWrite, db: DB,
                      actor: Annotated[Actor, Requires("users.update")]) -> UserOut:
    user = await service.get_user(db, actor=actor, user_id=user_id)
    await service.update_user(db, tenant=actor.tenant, user=user, data=body, actor=actor)
    return await _one(db, actor, user)


@router.delete("/{user_id}", status_code=204)
async def delete_user(user_id: Id, db: DB,
                      actor: Annotated[Actor, Requires("users.delete")]) -> Response:
    user = await service.get_user(db, actor=actor, user_id=user_id)
    await service.delete_user(db, tenant=actor.tenant, user=user, actor=actor)
    return Response(status_code=204)


@router.get("/{user_id}/call-permission", response_model=CallPermission)
async def call_permission(user_id: Id, db: DB,
                          number: Annotated[str, Query(min_length=1, max_length=32)],
                          actor: Annotated[Actor, Requires("users.read")]) -> CallPermission:
    """FCC-48: may this user call this number? The white list wins over the black list."""
    user = await service.get_user(db, actor=actor, user_id=user_id)
    e164, allowed, reason, matched = service.call_permission(
        user, number=number, region=actor.tenant.phone_region)
    return CallPermission(number=e164, allowed=allowed, reason=reason, matched=matched)


def _media_routes(kind: str, what: str, types: dict) -> None:
    async def upload(user_id: Id, db: DB, file: Annotated[UploadFile, File()],
                     actor: Annotated[Actor, Requires("users.update")]) -> Response:
        user = await service.get_user(db, actor=actor, user_id=user_id)
        await service.set_media(db, user=user, kind=kind, data=await file.read())
        return Response(status_code=204)

    async def download(user_id: Id, db: DB,
                       actor: Annotated[Actor, Requires("users.read")]) -> FileResponse:
        user = await service.get_user(db, actor=actor, user_id=user_id)
        path, content_type = service.media_file(user, kind)
        return FileResponse(path, media_type=content_type,
                            headers={"Cache-Control": "private, no-store"})

    async def remove(user_id: Id, db: DB,
                     actor: Annotated[Actor, Requires("users.update")]) -> Response:
        user = await service.get_user(db, actor=actor, user_id=user_id)
        await service.clear_media(db, user=user, kind=kind)
        return Response(status_code=204)

    path = f"/{{user_id}}/{kind}"
    router.add_api_route(path, upload, methods=["PUT"], status_code=204,
                         name=f"upload_{kind}", summary=f"Upload the {what}",
                         responses={422: {"description": "refused by content or size"}})
    router.add_api_route(path, download, methods=["GET"], response_class=FileResponse,
                         name=f"download_{kind}", summary=f"Download the {what}",
                         responses={200: {"content": types}})
    router.add_api_route(path, remove, methods=["DELETE"], status_code=204,
                         name=f"delete_{kind}", summary=f"Remove the {what}")


_media_routes("avatar", "avatar (FCC-16): any image, stored as PNG without metadata",
              {"image/png": {}})
_media_routes("greeting", "agent greeting (FCC-15): WAV or MP3",
              {"audio/wav": {}, "audio/mpeg": {}})
