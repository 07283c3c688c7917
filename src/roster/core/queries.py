"""Statements every domain's repository needs the same way, and the few that differ by database
(kept here so no domain writes dialect-specific SQL of its own)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import NullType


def dialect(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


async def taken(db: AsyncSession, model: Any, *, tenant_id: int, exclude_id: int | None = None,
                **values: Any) -> bool:
    """Whether another row of ``model`` in the tenant already has these values (a catalogue
    name, say), checked before insert so the answer is a specific 409 rather than a lost race."""
    stmt = select(model.id).where(model.tenant_id == tenant_id,
                                  *(getattr(model, k) == v for k, v in values.items()))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return (await db.execute(stmt.limit(1))).first() is not None


def one_of(db: AsyncSession, expr: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``expr IN values`` with the whole set bound as ONE parameter, so a batch of 100,000 values
    is one statement on either database (an IN list of separate parameters stops at 32,767):
    ``= ANY(:array)`` on PostgreSQL, ``IN (SELECT value FROM json_each(:json))`` on SQLite."""
    values = list(values)
    if dialect(db) == "postgresql":
        item = String() if isinstance(expr.type, NullType) else expr.type  # lower(...) is untyped
        return expr == any_(bindparam(None, values, type_=ARRAY(item)))
    each = func.json_each(bindparam(None, json.dumps(values))).table_valued("value")
    return expr.in_(select(each.c.value))


async def insert_ignore(db: AsyncSession, model: Any, values: dict[str, Any]) -> None:
    """Insert a row unless one with the same key exists (a counter's first row), without the
    unique-violation error a concurrent first insert would otherwise raise."""
    if dialect(db) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(model).values(**values).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(model).values(**values).on_conflict_do_nothing()
    await db.execute(stmt)


# Above this many keys a writer takes the namespace's lock whole instead of one per key (the
# shared lock table of PostgreSQL has room for about 64 locks per transaction).
_KEY_LOCKS = 32


def _lock_key(namespace: str, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{namespace}\x00{key}".encode()).digest()[:8],
                          "big", signed=True)


async def serialise(db: AsyncSession, namespace: str, keys: Iterable[str]) -> None:
    """Serialise writers of the same keys of a namespace until the transaction ends, where no
    unique index can (a value shared by two tables, e.g. extensions of users and stations).

    PostgreSQL: transaction advisory locks, one per key under a shared lock of the namespace;
    a large batch takes the namespace exclusively instead. SQLite serialises every writer with
    BEGIN IMMEDIATE already."""
    keys = sorted(set(keys))
    if not keys or dialect(db) != "postgresql":
        return
    whole = _lock_key(namespace, "")
    if len(keys) > _KEY_LOCKS:
        await db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": whole})
        return
    # One statement: the namespace shared, then each key in a fixed order (no deadlock).
    locks = ", ".join(f"pg_advisory_xact_lock(:k{i})" for i in range(len(keys)))
    params = {f"k{i}": _lock_key(namespace, key) for i, key in enumerate(keys)}
    await db.execute(text(f"SELECT pg_advisory_xact_lock_shared(:whole), {locks}"),
                     {"whole": whole, **params})

