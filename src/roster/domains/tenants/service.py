"""Tenant services: create and change tenants (X-T1). Services flush, never commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import FieldErrors, conflict, found, null_errors
from roster.domains.tenants import repository as repo
from roster.domains.tenants import rules
from roster.domains.tenants.models import Tenant
from roster.domains.tenants.schemas import TenantCreate, TenantUpdate

TenantStep = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class TenantPipeline:
    """Reactions to tenant changes, built where the application is (roster.wiring)."""

    after_deactivate: Sequence[TenantStep] = ()   # called with (db, tenant=...)


_installed: list[TenantPipeline] = []


def install(pipeline: TenantPipeline) -> None:
    _installed[:] = [pipeline]


def _pipeline() -> TenantPipeline:
    if not _installed:
        raise RuntimeError("the tenants service is not built: call roster.wiring.build()")
    return _installed[0]


def _check(errors: FieldErrors, data: dict) -> None:
    if "slug" in data:
        errors.extend(rules.check_slug(data["slug"]))
    if data.get("sip_domain") is not None:
        errors.extend(rules.check_sip_domain(data["sip_domain"]))
    if data.get("time_zone") is not None:
        errors.extend(rules.check_time_zone(data["time_zone"]))
    if data.get("phone_region") is not None:
        errors.extend(rules.check_region(data["phone_region"]))


async def create_tenant(db: AsyncSession, *, data: TenantCreate) -> Tenant:
    """Create a tenant with its own SIP domain."""
    values = data.model_dump()
    values["sip_domain"] = values["sip_domain"].lower()
    errors = FieldErrors()
    _check(errors, values)
    errors.raise_if_any()
    if await repo.slug_exists(db, values["slug"]):
        raise conflict("slug", "slug_taken", "This slug is already in use.")
    if await repo.sip_domain_owner(db, values["sip_domain"]) is not None:
        raise conflict("sip_domain", "sip_domain_taken",
                       "This SIP domain is already used by another tenant.")
    tenant = Tenant(**values)
    db.add(tenant)
    await db.flush()
    return tenant


async def update_tenant(db: AsyncSession, *, tenant: Tenant, data: TenantUpdate) -> Tenant:
    """Change a tenant; a new SIP domain is refused while SIP lines depend on the old one."""
    values = data.model_dump(exclude_unset=True)
    if values.get("sip_domain"):
        values["sip_domain"] = values["sip_domain"].lower()
    errors = FieldErrors()
    _check(errors, values)
    errors.extend(null_errors(values, ("name", "time_zone", "default_language", "phone_region",
                                       "active")))
    errors.raise_if_any()
    new_domain = values.get("sip_domain")
    if new_domain and new_domain != tenant.sip_domain:
        owner = await repo.sip_domain_owner(db, new_domain)
        if owner is not None:
            raise conflict("sip_domain", "sip_domain_taken",
                           "This SIP domain is already used by another tenant.")
        from roster.domains.users.repository import count_sip_lines

        if await count_sip_lines(db, tenant_id=tenant.id):
            # HA1 digests include the realm (the SIP domain): they would all stop working.
            raise conflict("sip_domain", "sip_domain_in_use",
                           "Users have SIP passwords digested for the current domain; "
                           "remove their SIP passwords before changing it.")
    was_active = tenant.active
    for key, value in values.items():
        if value is not None:
            setattr(tenant, key, value)
    await db.flush()
    if was_active and not tenant.active:
        for step in _pipeline().after_deactivate:
            await step(db, tenant=tenant)
    return tenant


async def get_tenant(db: AsyncSession, *, slug: str) -> Tenant:
    return found(await repo.get_by_slug(db, slug), "tenant")
