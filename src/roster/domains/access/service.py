"""Resolves what a signed-in user may do. Filled in by the access-control work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.permissions import Principal


async def principal_for_user(db: AsyncSession, *, token_id: int, kind: str, user_id: int | None,
                             tenant_id: int | None, active_role: str | None) -> Principal | None:
    return None
