"""What every catalogue (skills, groups, queues, campaigns, projects, roles) does the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import conflict, refuse_nulls

T = TypeVar("T")


async def update_entry(db: AsyncSession, entry: T, values: dict[str, Any], *,
                       required: Iterable[str] = ("name",),
                       name_taken: Callable[[str], Awaitable[bool]] | None = None,
                       taken: tuple[str, str] = ("name_taken", "This name is taken.")) -> T:
    """The update sequence of a catalogue entry: no null for a field that needs a value, no
    name another entry of the tenant has (409 with ``taken``: code, message), then the fields
    sent are copied and flushed."""
    refuse_nulls(values, required)
    if name_taken is not None and values.get("name") is not None \
            and await name_taken(values["name"]):
        raise conflict("name", *taken)
    for key, value in values.items():
        setattr(entry, key, value)
    await db.flush()
    return entry
