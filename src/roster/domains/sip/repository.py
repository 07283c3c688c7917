"""Statements for the SIP line: the lines of a tenant and the registrar's view of an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.domains.sip.models import SipLock, sip_subscriber
from roster.domains.tenants.models import Tenant
from roster.domains.users.models import User


async def line_extensions(db: AsyncSession, tenant_id: int) -> list[str]:
    """Extensions of the tenant's users that have a SIP password (registered or not)."""
    stmt = select(User.extension).where(User.tenant_id == tenant_id, User.extension.is_not(None),
                                        User.sip_ha1.is_not(None))
    return [e for (e,) in (await db.execute(stmt)).all()]


async def account(db: AsyncSession, username: str, domain: str) -> dict | None:
    """The row Kamailio's auth_db reads for this account (None: it cannot register)."""
    stmt = select(sip_subscriber).where(sip_subscriber.c.username == username,
                                        sip_subscriber.c.domain == domain)
    row = (await db.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def tenant_by_domain(db: AsyncSession, sip_domain: str) -> Tenant | None:
    stmt = select(Tenant).where(Tenant.sip_domain == sip_domain.lower())
    return (await db.execute(stmt)).scalar()


async def user_by_extension(db: AsyncSession, tenant_id: int, extension: str) -> User | None:
    stmt = select(User).where(User.tenant_id == tenant_id, User.extension == extension)
    return (await db.execute(stmt)).scalar()


async def lock(db: AsyncSession, tenant_id: int, username: str) -> SipLock | None:
    stmt = select(SipLock).where(SipLock.tenant_id == tenant_id, SipLock.username == username)
    return (await db.execute(stmt)).scalar()


async def active_locks(db: AsyncSession, tenant_id: int, now: datetime) -> list[SipLock]:
    stmt = (select(SipLock).where(SipLock.tenant_id == tenant_id, SipLock.locked_until > now)
            .order_by(SipLock.username))
    return list((await db.execute(stmt)).scalars())
