from __future__ import annotations

from typing import Annotated

from fastapi import Response

from roster.core.errors import FieldError, found, invalid
from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import Id, tenant_router
from roster.core.uow import DB
from roster.domains.groups import repository as repo
from roster.domains.groups import service
from roster.domains.groups.schemas import GroupCreate, GroupOut, GroupUpdate, MemberIn, MemberOut
from roster.domains.users import repository as users_repo
from roster.domains.users import service as users_service

router = tenant_router("/groups", ["groups"])


async def _group(db, actor: Actor, group_id: Id):
    return found(await repo.get(db, actor.tenant_id, group_id), "group")


@router.post("", status_code=201, response_model=GroupOut)
async def create_group(body: GroupCreate, db: DB, response: Response,
                       actor: Annotated[Actor, Requires("groups.manage")]) -> GroupOut:
    group = await service.create_group(db, tenant_id=actor.tenant_id, data=body)
    response.headers["Location"] = f"/api/v1/tenants/{actor.tenant.slug}/groups/{group.id}"
    return GroupOut.model_validate(group)


@router.get("", response_model=Page[GroupOut])
async def list_groups(db: DB, actor: Annotated[Actor, Requires("groups.read")],
                      page: Paging) -> Page[GroupOut]:
    rows, cursor = page_of(await repo.list_page(db, actor.tenant_id, page), page)
    return Page(items=[GroupOut.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/{group_id}", response_model=GroupOut)
async def get_group(group_id: Id, db: DB,
                    actor: Annotated[Actor, Requires("groups.read")]) -> GroupOut:
    return GroupOut.model_validate(await _group(db, actor, group_id))


@router.patch("/{group_id}", response_model=GroupOut)
async def update_group(group_id: Id, body: GroupUpdate, db: DB,
                       actor: Annotated[Actor, Requires("groups.manage")]) -> GroupOut:
    group = await service.update_group(db, group=await _group(db, actor, group_id), data=body)
    return GroupOut.model_validate(group)


@router.delete("/{group_id}", status_code=204)
async def delete_group(group_id: Id, db: DB,
                       actor: Annotated[Actor, Requires("groups.manage")]) -> Response:
    await service.delete_group(db, group=await _group(db, actor, group_id))
    return Response(status_code=204)


@router.get("/{group_id}/members", response_model=Page[MemberOut])
async def list_members(group_id: Id, db: DB, page: Paging,
                       actor: Annotated[Actor, Requires("groups.read")]) -> Page[MemberOut]:
    group = await _group(db, actor, group_id)
    rows, cursor = page_of(await repo.members_page(db, group.id, page), page, key=lambda r: r[0])
    return Page(items=[MemberOut(user_id=i, full_name=n, login=lg) for i, n, lg in rows],
                next_cursor=cursor)


@router.post("/{group_id}/members", status_code=201, response_model=MemberOut)
async def add_member(group_id: Id, body: MemberIn, db: DB, response: Response,
                     actor: Annotated[Actor, Requires("groups.manage")]) -> MemberOut:
    group = await _group(db, actor, group_id)
    user = await users_repo.get(db, actor, body.user_id)
    if user is None:
        raise invalid(FieldError("user_id", "unknown_user", "No such user in this tenant."))
    await service.add_member(db, group=group, user=user)
    response.headers["Location"] = (
        f"/api/v1/tenants/{actor.tenant.slug}/groups/{group.id}/members/{user.id}")
    return MemberOut(user_id=user.id, full_name=user.full_name, login=user.login)


@router.delete("/{group_id}/members/{user_id}", status_code=204)
async def remove_member(group_id: Id, user_id: Id, db: DB,
                        actor: Annotated[Actor, Requires("groups.manage")]) -> Response:
    group = await _group(db, actor, group_id)
    user = await users_service.get_user(db, actor=actor, user_id=user_id)  # within its scope
    await service.remove_member(db, group=group, user_id=user.id)
    return Response(status_code=204)
