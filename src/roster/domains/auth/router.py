from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response

from roster.core.permissions import Actor, Public, Requires
from roster.core.routing import Id, api_router
from roster.core.routing import tenant_router as make_tenant_router
from roster.core.uow import DB
from roster.domains.auth import service
from roster.domains.auth.schemas import (
    ApiTokenCreated,
    ApiTokenIn,
    ApiTokenOut,
    LockoutOut,
    LoginIn,
    MeOut,
    SwitchRoleIn,
    TokenOut,
)
from roster.domains.users import service as users_service

router = api_router("/auth", ["auth"])
tenant_router = make_tenant_router("", ["auth"])


def _token(issued: service.Issued) -> TokenOut:
    return TokenOut(access_token=issued.token, expires_in=issued.expires_in, roles=issued.roles,
                    active_role=issued.active_role)


def _address(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


@router.post("/login", response_model=TokenOut,
             responses={401: {"description": "wrong credentials, or locked (Retry-After)"},
                        429: {"description": "too many failures from this address"}})
async def login(body: LoginIn, request: Request, db: DB,
                _: Annotated[None, Public("sign-in: the way to obtain credentials")]) -> TokenOut:
    """Sign in with tenant, login and password (FCC-6, FCC-8); a bearer token comes back."""
    issued = await service.login(db, tenant_slug=body.tenant, login_name=body.login,
                                 password=body.password, address=_address(request))
    return _token(issued)


@router.post("/logout", status_code=204)
async def logout(db: DB, actor: Annotated[Actor, Requires("profile.read")]) -> Response:
    """End this session."""
    await service.logout(db, principal=actor.principal)
    return Response(status_code=204)


@router.post("/logout-all", status_code=204)
async def logout_all(db: DB, actor: Annotated[Actor, Requires("profile.read")]) -> Response:
    """Sign out everywhere: every session of the signed-in user ends."""
    await service.logout_all(db, principal=actor.principal)
    return Response(status_code=204)


@router.post("/switch-role", response_model=TokenOut)
async def switch_role(body: SwitchRoleIn, db: DB,
                      actor: Annotated[Actor, Requires("profile.read")]) -> TokenOut:
    """FCC-20: a token acting with another of the user's roles; this one ends."""
    return _token(await service.switch_role(db, principal=actor.principal, role=body.role))


@router.get("/me", response_model=MeOut)
async def me(actor: Annotated[Actor, Requires("profile.read")]) -> MeOut:
    """Who is signed in, acting with which role, holding which permissions."""
    p = actor.principal
    return MeOut(kind=p.kind, user_id=p.user_id, tenant_id=p.tenant_id, roles=list(p.roles),
                 active_role=p.active_role, permissions=sorted(p.permissions),
                 user_scope=None if p.user_scope is None else sorted(p.user_scope),
                 queue_scope=None if p.queue_scope is None else sorted(p.queue_scope),
                 call_extensions=list(p.extra.get("call_extensions", ())))


# --- under a tenant ---------------------------------------------------------------------------

@tenant_router.post("/users/{user_id}/revoke-sessions", status_code=204)
async def revoke_sessions(user_id: Id, db: DB,
                          actor: Annotated[Actor, Requires("users.sessions.manage")]) -> Response:
    """Sign a user out of every session."""
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    await service.revoke_sessions(db, actor=actor, user=user)
    return Response(status_code=204)


@tenant_router.get("/users/{user_id}/lockout", response_model=LockoutOut)
async def get_lockout(user_id: Id, db: DB,
                      actor: Annotated[Actor, Requires("users.sessions.manage")]) -> LockoutOut:
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    failures, until = await service.lock_state(db, tenant=actor.tenant, user=user)
    return LockoutOut(failures=failures, locked=until is not None, locked_until=until)


@tenant_router.delete("/users/{user_id}/lockout", status_code=204)
async def unlock(user_id: Id, db: DB,
                 actor: Annotated[Actor, Requires("users.sessions.manage")]) -> Response:
    """Lift a lock-out before it ends."""
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    await service.unlock(db, tenant=actor.tenant, user=user)
    return Response(status_code=204)


def _api_out(t) -> dict:
    return {"id": t.id, "name": t.name, "role": t.active_role, "user_id": t.user_id,
            "created_at": t.created_at, "expires_at": t.expires_at, "revoked_at": t.revoked_at}


@tenant_router.get("/api-tokens", response_model=list[ApiTokenOut])
async def list_api_tokens(db: DB, actor: Annotated[Actor, Requires("api_tokens.read")]
                          ) -> list[ApiTokenOut]:
    """Named tokens for integrations (never the secrets themselves)."""
    return [ApiTokenOut(**_api_out(t)) for t in await service.api_tokens(
        db, tenant_id=actor.tenant_id)]


@tenant_router.post("/api-tokens", status_code=201, response_model=ApiTokenCreated)
async def create_api_token(body: ApiTokenIn, db: DB, response: Response,
                           actor: Annotated[Actor, Requires("api_tokens.manage")]
                           ) -> ApiTokenCreated:
    """A named token for an integration acting with one chosen role; shown once."""
    token, plain = await service.create_api_token(db, actor=actor, name=body.name,
                                                  role=body.role,
                                                  expires_in_days=body.expires_in_days)
    response.headers["Location"] = f"/api/v1/tenants/{actor.tenant.slug}/api-tokens/{token.id}"
    return ApiTokenCreated(token=plain, **_api_out(token))


@tenant_router.delete("/api-tokens/{token_id}", status_code=204)
async def revoke_api_token(token_id: Id, db: DB,
                           actor: Annotated[Actor, Requires("api_tokens.manage")]) -> Response:
    await service.revoke_api_token(db, actor=actor, token_id=token_id)
    return Response(status_code=204)
