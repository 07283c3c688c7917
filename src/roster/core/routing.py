"""Router builders shared by every domain, so all routes get the same transaction handling,
tenant path parameter and identifier bounds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from roster.core.schemas import MAX_ID
from roster.core.uow import TransactionalRoute

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
# Left unconstrained on purpose: an unknown or malformed slug is simply a tenant that does not
# exist (404), the same answer whether it is well-formed or not.
TenantSlug = Annotated[str, Path(description="the tenant's slug")]


def _tenant_path(tenant: TenantSlug) -> str:
    return tenant


TENANT_PATH = Depends(_tenant_path)


def api_router(prefix: str, tags: list[str]) -> APIRouter:
    return APIRouter(prefix=f"/api/v1{prefix}", tags=tags, route_class=TransactionalRoute)


def tenant_router(prefix: str, tags: list[str]) -> APIRouter:
    """Routes under /api/v1/tenants/{tenant}; the slug is resolved by the permission check."""
    return APIRouter(prefix=f"/api/v1/tenants/{{tenant}}{prefix}", tags=tags,
                     route_class=TransactionalRoute, dependencies=[TENANT_PATH])


def flat_routes(app) -> list:
    """Every route the application serves, flattened from included routers."""
    from fastapi.routing import iter_route_contexts

    return [ctx.route for ctx in iter_route_contexts(app.routes)]
