from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.domains.numbers.models import Number

register_unique("uq_numbers_number", "number", "number_taken",
                "This number is already in use in this installation.")


async def get(db: AsyncSession, tenant_id: int, number_id: int) -> Number | None:
    stmt = select(Number).where(Number.tenant_id == tenant_id, Number.id == number_id)
    return (await db.execute(stmt)).scalar()


async def by_number(db: AsyncSession, tenant_id: int, number: str) -> Number | None:
    stmt = select(Number).where(Number.tenant_id == tenant_id, Number.number == number)
    return (await db.execute(stmt)).scalar()


async def exists_anywhere(db: AsyncSession, number: str) -> bool:
    return (await db.execute(select(Number.id).where(Number.number == number))).first() is not None


async def did_of(db: AsyncSession, user_id: int) -> Number | None:
    return (await db.execute(select(Number).where(Number.assigned_user_id == user_id))).scalar()


async def for_update(db: AsyncSession, tenant_id: int, number: str) -> Number | None:
    """The number, row-locked until commit, so two requests racing for it are serialised (on
    SQLite the whole write transaction already is)."""
    stmt = (select(Number).where(Number.tenant_id == tenant_id, Number.number == number)
            .with_for_update())
    return (await db.execute(stmt)).scalar()


async def list_page(db: AsyncSession, tenant_id: int, free: bool | None, page: PageParams
                    ) -> list[Number]:
    stmt = select(Number).where(Number.tenant_id == tenant_id)
    if free is True:
        stmt = stmt.where(Number.assigned_user_id.is_(None))
    elif free is False:
        stmt = stmt.where(Number.assigned_user_id.is_not(None))
    return list((await db.execute(paginate(stmt, Number.id, page))).scalars())
