"""Statements every domain's repository needs the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def taken(db: AsyncSession, model: Any, *, tenant_id: int, exclude_id: int | None = None,
                **values: Any) -> bool:
    """Whether another row of ``model`` in the tenant already has these values (a catalogue
    name, say), checked before insert so the answer is a specific 409 rather than a lost race."""
    stmt = select(model.id).where(model.tenant_id == tenant_id,
                                  *(getattr(model, k) == v for k, v in values.items()))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return (await db.execute(stmt.limit(1))).first() is not None
