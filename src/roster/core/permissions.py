"""Named permissions, the acting principal, and the dependencies routes declare them with.

Every route states what it needs where it is defined::

    async def list_users(actor: Annotated[Actor, Requires("users.read")], ...)

or ``Public("why")`` for the few routes anybody may call. The authorization matrix test
walks the router and fails for a route that declares neither.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from roster.core import context
from roster.core.errors import forbidden, not_found, unauthorized

if TYPE_CHECKING:
    from roster.domains.tenants.models import Tenant

# section (SIPL-10 and the resources of this API) -> actions
CATALOGUE: dict[str, tuple[str, ...]] = {
    "tenants": ("read", "manage"),
    "users": ("read", "create", "update", "delete"),
    "users.access": ("read", "manage"),
    "users.sessions": ("manage",),
    "profile": ("read", "update"),
    "numbers": ("read", "manage"),
    "skills": ("read", "manage"),
    "groups": ("read", "manage"),
    "queues": ("read", "manage"),
    "campaigns": ("read", "manage"),
    "roles": ("read", "manage"),
    "projects": ("read", "manage"),
    "api_tokens": ("read", "manage"),
    "contacts": ("read", "manage"),
    "audit": ("read",),
    "devices": ("read", "manage"),
    "stations": ("read", "manage", "use"),
    "agent_state": ("read", "manage"),
    "calls": ("read", "listen"),
    "pbx": ("read", "manage"),
    "payments": ("read", "manage"),
    "statistics": ("read",),
    "analytics": ("read",),
    "quality": ("read", "manage"),
    "settings": ("read", "manage"),
}
ALL_PERMISSIONS: frozenset[str] = frozenset(
    f"{section}.{action}" for section, actions in CATALOGUE.items() for action in actions
)
# Permissions only a platform operator holds; no tenant role can be granted them.
PLATFORM_ONLY: frozenset[str] = frozenset({"tenants.manage"})
# Permissions of machine principals only (not in the catalogue: no role, operator or user can hold
# them). "sip.callback": Kamailio handing a phone's feature code to Roster, authenticated by the
# shared secret in settings (sip_callback_secret).
SERVICE_PERMISSIONS: frozenset[str] = frozenset({"sip.callback"})


@dataclass(frozen=True)
class Principal:
    kind: str  # "operator" | "user" | "api_token" | "service"
    subject_id: int
    tenant_id: int | None
    permissions: frozenset[str]
    active_role: str | None = None
    roles: tuple[str, ...] = ()
    token_id: int | None = None
    # None: the whole tenant. Otherwise the ids of the users this principal may see (data scope).
    user_scope: frozenset[int] | None = None
    # None: every queue and campaign of the tenant. Otherwise the ids of the queues and campaigns
    # this principal may see (FCC-22, DAK-10: a supervisor's assigned ones; others: their own).
    queue_scope: frozenset[int] | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"

    @property
    def user_id(self) -> int | None:
        return self.subject_id if self.kind in ("user", "api_token") else None

    def label(self) -> str:
        if self.kind == "service":
            return f"service:{self.extra.get('name', self.subject_id)}"
        return f"{self.kind}:{self.subject_id}"

    def can(self, permission: str) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class Actor:
    """The principal and, on tenant-scoped paths, the tenant it acts in."""

    principal: Principal
    tenant: Tenant | None

    @property
    def tenant_id(self) -> int:
        assert self.tenant is not None
        return self.tenant.id

    def can(self, permission: str) -> bool:
        return self.principal.can(permission)


_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer <token>`")


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    from roster.domains.auth.service import principal_for_token

    if credentials is None or not credentials.credentials:
        raise unauthorized()
    principal = _service_principal(request, credentials.credentials) or await principal_for_token(
        request.state.db, credentials.credentials)
    if principal is None:
        raise unauthorized()
    context.actor.set(principal.label())
    request.state.principal = principal
    return principal


def _service_principal(request: Request, token: str) -> Principal | None:
    """Kamailio, when the bearer token is the SIP callback secret; it holds only sip.callback."""
    state = request.app.state
    secret = getattr(state, "sip_callback_secret", None)
    if secret is None:  # resolved once per app: it may be read from <data_dir>/sip-callback.key
        settings = getattr(state, "settings", None)
        secret = state.sip_callback_secret = (settings.resolved_sip_callback_secret()
                                              if settings is not None else "")
    if secret and hmac.compare_digest(token.encode(), secret.encode()):
        return Principal("service", 0, None, frozenset({"sip.callback"}), extra={"name": "kamailio"})
    return None


async def _tenant_for(request: Request, principal: Principal) -> Tenant | None:
    slug = request.path_params.get("tenant")
    if slug is None:
        return None
    from roster.domains.tenants.repository import get_by_slug

    tenant = await get_by_slug(request.state.db, slug)
    if tenant is None or (not principal.is_operator and principal.tenant_id != tenant.id):
        raise not_found("tenant")
    return tenant


class RequiresPermission:
    """Dependency: an authenticated principal holding ``permission`` (401, then 404, then 403)."""

    def __init__(self, permission: str) -> None:
        if permission not in ALL_PERMISSIONS | SERVICE_PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        self.permission = permission

    async def __call__(
        self, request: Request, principal: Annotated[Principal, Depends(authenticate)]
    ) -> Actor:
        tenant = await _tenant_for(request, principal)
        if not principal.can(self.permission):
            raise forbidden(self.permission)
        return Actor(principal, tenant)

    def __repr__(self) -> str:
        return f"Requires({self.permission!r})"


class PublicAccess:
    """Dependency marking a route anybody may call; ``reason`` says why (read by reviewers)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def __call__(self) -> None:
        return None


def Requires(permission: str) -> Any:  # noqa: N802 - reads as a declaration at the route
    """``actor: Annotated[Actor, Requires("users.read")]``"""
    return Depends(RequiresPermission(permission))


def Public(reason: str) -> Any:  # noqa: N802
    """``_: Annotated[None, Public("sign-in form")]``"""
    return Depends(PublicAccess(reason))


def declared_permission(route: Any) -> RequiresPermission | PublicAccess | None:
    """The permission a route declares (walks its dependency tree)."""
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, RequiresPermission | PublicAccess):
            return dep.call
        stack.extend(dep.dependencies)
    return None
