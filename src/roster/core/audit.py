"""The audit hook: every flushed change to an audited model becomes one audit entry.

Models opt in with ``__audit__ = "entity_name"``; columns declared with ``info={"secret": True}``
are written as "[redacted]". Events that are not row changes (a sign-in, a lock) are recorded by
services through :func:`record`, which goes through the same table.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from roster.core import context
from roster.db import utcnow
from roster.domains.audit.models import AuditEntry

REDACTED = "[redacted]"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _value(column, value: Any) -> Any:
    if column.info.get("secret"):
        return None if value is None else REDACTED
    return _plain(value)


def _snapshot(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {
        attr.key: _value(attr.columns[0], getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if not attr.columns[0].info.get("audit_skip")
    }


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        if column.info.get("audit_skip"):
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        before[attr.key] = _value(column, old)
        after[attr.key] = _value(column, new)
    return before, after


def _entry(obj: Any, action: str, before, after) -> dict[str, Any]:
    # New rows have their keys after the flush but no identity yet: read the key columns.
    ident = inspect(obj).mapper.primary_key_from_instance(obj)
    entity_id = ":".join(str(i) for i in ident if i is not None)
    return {
        "at": utcnow(),
        "tenant_id": getattr(obj, "audit_tenant_id", None) or getattr(obj, "tenant_id", None),
        "actor": context.actor.get(),
        "request_id": context.request_id.get(),
        "entity": obj.__audit__,
        "entity_id": entity_id,
        "action": action,
        "before": before,
        "after": after,
    }


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, _flush_context) -> None:
    # After the flush new rows have their keys, while new/dirty/deleted and attribute history
    # still describe what this flush changed.
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if getattr(obj, "__audit__", None):
            rows.append(_entry(obj, "create", None, _snapshot(obj)))
    for obj in session.dirty:
        if getattr(obj, "__audit__", None) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                rows.append(_entry(obj, "update", before, after))
    for obj in session.deleted:
        if getattr(obj, "__audit__", None):
            rows.append(_entry(obj, "delete", _snapshot(obj), None))
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


async def record(
    session: AsyncSession,
    *,
    action: str,
    entity: str,
    entity_id: Any,
    tenant_id: int | None,
    after: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
) -> None:
    """An audit entry for an event that is not a row change (sign-in, lock, role switch)."""
    await session.execute(
        insert(AuditEntry).values(
            at=utcnow(), tenant_id=tenant_id, actor=context.actor.get(),
            request_id=context.request_id.get(), entity=entity, entity_id=str(entity_id),
            action=action, before=before, after=after,
        )
    )
