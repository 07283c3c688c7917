"""Statements over access keys (invitations, recoveries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roster.domains.invitations.models import AccessKey
from roster.domains.users.models import User


async def by_digest(db: AsyncSession, digest: str) -> AccessKey | None:
    stmt = select(AccessKey).where(AccessKey.digest == digest).with_for_update()
    return (await db.execute(stmt)).scalar()


async def revoke_open(db: AsyncSession, *, user_id: int, now) -> None:
    """Every unused key of a user stops working (a resend replaces the previous link)."""
    await db.execute(update(AccessKey).where(AccessKey.user_id == user_id,
                                             AccessKey.used_at.is_(None),
                                             AccessKey.revoked_at.is_(None))
                     .values(revoked_at=now))


async def insert_keys(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await db.execute(insert(AccessKey), rows)


async def user_by_email(db: AsyncSession, tenant_id: int, email: str) -> User | None:
    stmt = select(User).where(User.tenant_id == tenant_id,
                              func.lower(User.email) == email.lower())
    return (await db.execute(stmt)).scalar()
