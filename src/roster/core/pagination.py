"""Cursor pagination over a stable key (the primary key, ascending)."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select

from roster.core.errors import FieldError, invalid

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class PageParams:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> None:
        self.limit = limit
        self.cursor = cursor

    @property
    def after_id(self) -> int | None:
        # Decoded when used, not when parsed, so credentials are checked before the cursor.
        return decode_cursor(self.cursor) if self.cursor else None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError
        return value
    except Exception:
        raise invalid(FieldError("cursor", "invalid_cursor", "The cursor is not valid.")) from None


def paginate(stmt: Select, id_column, page: PageParams, *, descending: bool = False) -> Select:
    """Rows after the cursor's row by id: ascending, or (newest first) descending."""
    if page.after_id is not None:
        stmt = stmt.where(id_column < page.after_id if descending else id_column > page.after_id)
    order = id_column.desc() if descending else id_column
    return stmt.order_by(order).limit(page.limit + 1)


def page_of(rows: list, page: PageParams, key=lambda r: r.id) -> tuple[list, str | None]:
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None


Paging = Annotated[PageParams, Depends()]
