from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from roster.core.errors import found
from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import MAX_ID, Id
from roster.core.routing import tenant_router as make_tenant_router
from roster.core.uow import DB
from roster.domains.access import repository as repo
from roster.domains.access import rules, service
from roster.domains.access.schemas import (
    CallVisibilityIn,
    CallVisibilityOut,
    EffectiveAccess,
    GrantIn,
    GrantOut,
    OverridesIn,
    OverridesOut,
    RoleCreate,
    RoleOut,
    RoleUpdate,
    SupervisionIn,
    SupervisionOut,
    TenantGrantOut,
)
from roster.domains.users import service as users_service

router = make_tenant_router("", ["access"])


async def _role(db, actor: Actor, role_id: int):
    return found(await repo.get_role(db, actor.tenant_id, role_id), "role")


def _role_out(role, holders: int | None = None) -> RoleOut:
    return RoleOut(id=role.id, name=role.name, builtin=False, account_kind=False,
                   description=role.description, permissions=sorted(role.permissions or []),
                   holders=holders)


async def _supervision(db, supervisor_id: int) -> SupervisionOut:
    users, groups = await repo.assignments_of(db, supervisor_id)
    queues, campaigns = await repo.queue_assignments_of(db, supervisor_id)
    return SupervisionOut(users=users, groups=groups, queues=queues, campaigns=campaigns)


# --- roles (OKI-10) -------------------------------------------------------------------------

@router.get("/roles", response_model=Page[RoleOut])
async def list_roles(db: DB, page: Paging,
                     actor: Annotated[Actor, Requires("roles.read")]) -> Page[RoleOut]:
    """Built-in roles (on the first page) and the tenant's own roles, with their permissions."""
    items = []
    if page.after_id is None:
        items = [RoleOut(id=None, name=name, builtin=True,
                         account_kind=name in rules.ACCOUNT_KINDS,
                         permissions=sorted(rules.DEFAULTS[name]))
                 for name in rules.BUILTIN_ROLES]
    rows, cursor = page_of(await repo.roles_page(db, actor.tenant_id, page), page)
    return Page(items=items + [_role_out(r) for r in rows], next_cursor=cursor)


@router.post("/roles", status_code=201, response_model=RoleOut)
async def create_role(body: RoleCreate, db: DB, response: Response,
                      actor: Annotated[Actor, Requires("roles.manage")]) -> RoleOut:
    role = await service.create_role(db, actor=actor, data=body)
    response.headers["Location"] = f"/api/v1/tenants/{actor.tenant.slug}/roles/{role.id}"
    return _role_out(role, 0)


@router.get("/roles/{role_id}", response_model=RoleOut)
async def get_role(role_id: Id, db: DB,
                   actor: Annotated[Actor, Requires("roles.read")]) -> RoleOut:
    role = await _role(db, actor, role_id)
    return _role_out(role, await repo.holders_count(db, role.id))


@router.patch("/roles/{role_id}", response_model=RoleOut)
async def update_role(role_id: Id, body: RoleUpdate, db: DB,
                      actor: Annotated[Actor, Requires("roles.manage")]) -> RoleOut:
    role = await service.update_role(db, actor=actor, role=await _role(db, actor, role_id),
                                     data=body)
    return _role_out(role, await repo.holders_count(db, role.id))


@router.delete("/roles/{role_id}", status_code=204)
async def delete_role(role_id: Id, db: DB,
                      actor: Annotated[Actor, Requires("roles.manage")]) -> Response:
    await service.delete_role(db, actor=actor, role=await _role(db, actor, role_id))
    return Response(status_code=204)


@router.get("/role-grants", response_model=Page[TenantGrantOut])
async def list_role_grants(
    db: DB, page: Paging, actor: Annotated[Actor, Requires("users.access.read")],
    role_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    role: Annotated[str | None, Query(max_length=40, description='"operator"')] = None,
) -> Page[TenantGrantOut]:
    """OKI-10: which users hold which granted role, to mark them in the user list."""
    rows, cursor = page_of(await repo.grants_page(db, actor, page, role_id=role_id,
                                                  builtin=role), page, key=lambda r: r[0].id)
    return Page(items=[TenantGrantOut(id=g.id, user_id=g.user_id,
                                      role=r.name if r else g.builtin, role_id=g.role_id,
                                      project_id=g.project_id) for g, r in rows],
                next_cursor=cursor)


# --- a user's access -------------------------------------------------------------------------

@router.get("/users/{user_id}/effective-access", response_model=EffectiveAccess)
async def effective_access(user_id: Id, db: DB,
                           actor: Annotated[Actor, Requires("users.access.read")]
                           ) -> EffectiveAccess:
    """The resolved permissions and data scopes of every role the user holds."""
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    return EffectiveAccess.model_validate(await service.effective_access(db, user=user))


@router.get("/users/{user_id}/role-grants", response_model=list[GrantOut])
async def list_grants(user_id: Id, db: DB,
                      actor: Annotated[Actor, Requires("users.access.read")]) -> list[GrantOut]:
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    return [GrantOut(id=g.id, role=r.name if r else g.builtin, role_id=g.role_id,
                     project_id=g.project_id) for g, r in await repo.grants_of(db, user.id)]


@router.post("/users/{user_id}/role-grants", status_code=201, response_model=GrantOut)
async def grant_role(user_id: Id, body: GrantIn, db: DB, response: Response,
                     actor: Annotated[Actor, Requires("users.access.manage")]) -> GrantOut:
    """OKI-10/11: grant a role to a user, in the whole tenant or within one project."""
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    grant = await service.grant_role(db, actor=actor, user=user, role=body.role,
                                     role_id=body.role_id, project_id=body.project_id)
    response.headers["Location"] = (
        f"/api/v1/tenants/{actor.tenant.slug}/users/{user.id}/role-grants/{grant.id}")
    role = await repo.get_role(db, actor.tenant_id, grant.role_id) if grant.role_id else None
    return GrantOut(id=grant.id, role=role.name if role else grant.builtin,
                    role_id=grant.role_id, project_id=grant.project_id)


@router.delete("/users/{user_id}/role-grants/{grant_id}", status_code=204)
async def revoke_grant(user_id: Id, grant_id: Id, db: DB,
                       actor: Annotated[Actor, Requires("users.access.manage")]) -> Response:
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    await service.revoke_grant(db, actor=actor, user=user, grant_id=grant_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/permissions", response_model=OverridesOut)
async def get_overrides(user_id: Id, db: DB,
                        actor: Annotated[Actor, Requires("users.access.read")]) -> OverridesOut:
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    grants, revokes = await repo.overrides_of(db, user.id)
    return OverridesOut(grant=sorted(grants), revoke=sorted(revokes))


@router.put("/users/{user_id}/permissions", response_model=OverridesOut)
async def set_overrides(user_id: Id, body: OverridesIn, db: DB,
                        actor: Annotated[Actor, Requires("users.access.manage")]
                        ) -> OverridesOut:
    """FCC-22/23: permissions granted to or revoked from one supervisor or agent."""
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    await service.set_overrides(db, actor=actor, user=user, grant=body.grant, revoke=body.revoke)
    return OverridesOut(grant=sorted(set(body.grant)), revoke=sorted(set(body.revoke)))


@router.get("/users/{user_id}/supervision", response_model=SupervisionOut)
async def get_supervision(user_id: Id, db: DB,
                          actor: Annotated[Actor, Requires("users.access.read")]
                          ) -> SupervisionOut:
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    return await _supervision(db, user.id)


@router.put("/users/{user_id}/supervision", response_model=SupervisionOut)
async def set_supervision(user_id: Id, body: SupervisionIn, db: DB,
                          actor: Annotated[Actor, Requires("users.access.manage")]
                          ) -> SupervisionOut:
    """FCC-22, DAK-10: the users, groups, queues and campaigns this supervisor sees and
    manages."""
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    await service.set_supervision(db, actor=actor, user=user, user_ids=body.users,
                                  group_ids=body.groups, queue_ids=body.queues,
                                  campaign_ids=body.campaigns)
    return await _supervision(db, user.id)


@router.get("/users/{user_id}/call-visibility", response_model=CallVisibilityOut)
async def get_call_visibility(user_id: Id, db: DB,
                              actor: Annotated[Actor, Requires("users.access.read")]
                              ) -> CallVisibilityOut:
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    extensions, default = await service.call_visibility(db, user=user)
    return CallVisibilityOut(extensions=extensions, default=default)


@router.put("/users/{user_id}/call-visibility", response_model=CallVisibilityOut)
async def set_call_visibility(user_id: Id, body: CallVisibilityIn, db: DB,
                              actor: Annotated[Actor, Requires("users.access.manage")]
                              ) -> CallVisibilityOut:
    """SIPL-11: the extensions whose calls this person may see and listen to (empty: own)."""
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    await service.set_call_visibility(db, actor=actor, user=user, extensions=body.extensions)
    return await get_call_visibility(user_id, db, actor)
