from __future__ import annotations

from typing import Annotated

from fastapi import Response

from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import TENANT_PATH, api_router
from roster.core.uow import DB
from roster.domains.tenants import repository as repo
from roster.domains.tenants import service
from roster.domains.tenants.schemas import TenantCreate, TenantOut, TenantUpdate

router = api_router("/tenants", ["tenants"])


@router.post("", status_code=201, response_model=TenantOut)
async def create_tenant(body: TenantCreate, db: DB, response: Response,
                        actor: Annotated[Actor, Requires("tenants.manage")]) -> TenantOut:
    tenant = await service.create_tenant(db, data=body)
    response.headers["Location"] = f"/api/v1/tenants/{tenant.slug}"
    return TenantOut.model_validate(tenant)


@router.get("", response_model=Page[TenantOut])
async def list_tenants(db: DB, page: Paging,
                       actor: Annotated[Actor, Requires("tenants.manage")]) -> Page[TenantOut]:
    rows, cursor = page_of(await repo.list_page(db, page), page)
    return Page(items=[TenantOut.model_validate(t) for t in rows], next_cursor=cursor)


@router.get("/{tenant}", response_model=TenantOut, dependencies=[TENANT_PATH])
async def get_tenant(db: DB, actor: Annotated[Actor, Requires("settings.read")]) -> TenantOut:
    return TenantOut.model_validate(actor.tenant)


@router.patch("/{tenant}", response_model=TenantOut, dependencies=[TENANT_PATH])
async def update_tenant(body: TenantUpdate, db: DB,
                        actor: Annotated[Actor, Requires("settings.manage")]) -> TenantOut:
    tenant = await service.update_tenant(db, tenant=actor.tenant, data=body)
    return TenantOut.model_validate(tenant)
