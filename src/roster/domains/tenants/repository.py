from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.domains.tenants.models import Tenant

register_unique("uq_tenants_slug", "slug", "slug_taken", "This slug is already in use.")
register_unique("uq_tenants_sip_domain", "sip_domain", "sip_domain_taken",
                "This SIP domain is already used by another tenant.")


async def get_by_slug(db: AsyncSession, slug: str) -> Tenant | None:
    return (await db.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()


async def get(db: AsyncSession, tenant_id: int) -> Tenant | None:
    return await db.get(Tenant, tenant_id)


async def slug_exists(db: AsyncSession, slug: str) -> bool:
    return (await db.execute(select(Tenant.id).where(Tenant.slug == slug))).first() is not None


async def sip_domain_owner(db: AsyncSession, domain: str) -> int | None:
    return (await db.execute(select(Tenant.id).where(Tenant.sip_domain == domain))).scalar()


async def list_page(db: AsyncSession, page: PageParams) -> list[Tenant]:
    return list((await db.execute(paginate(select(Tenant), Tenant.id, page))).scalars())
