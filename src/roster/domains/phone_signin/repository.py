"""Statements over call-back sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.domains.phone_signin.models import PhoneSignin


async def get(db: AsyncSession, key_digest: str, *, lock: bool = False) -> PhoneSignin | None:
    return await db.get(PhoneSignin, key_digest, with_for_update=lock)


async def recent(db: AsyncSession, *, since: datetime, sip_address: str | None = None,
                 source: str | None = None) -> int:
    stmt = select(func.count()).select_from(PhoneSignin).where(PhoneSignin.created_at >= since)
    if sip_address is not None:
        stmt = stmt.where(PhoneSignin.sip_address == sip_address)
    if source is not None:
        stmt = stmt.where(PhoneSignin.source == source)
    return (await db.execute(stmt)).scalar_one()
