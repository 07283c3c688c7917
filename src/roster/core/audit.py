"""The audit log: every change to an audited table becomes one entry saying who (actor, request),
when, what (entity, id, action) and the values before and after.

Models opt in with ``__audit__ = "entity_name"`` (and ``__audit_tenant__`` naming the attribute
that holds the tenant when it is not ``tenant_id``). Columns declared with
``info={"secret": True}`` are written as "[redacted]"; ``info={"audit_skip": True}`` not at all.

One mechanism sees every way a row changes:

* ORM flushes: objects added, changed or deleted (``after_flush``);
* Core statements on mapped tables run through a session, one row or many (``insert(User)`` with a
  list of rows, ``update(User)`` with a list of rows holding their keys, ``update(AuthToken)
  .where(...)``, ``delete(...)``): ``do_orm_execute`` reads the rows before, runs the statement
  and records the difference;
* rows the database deletes or nulls itself (``ON DELETE CASCADE`` / ``SET NULL``) when a row is
  deleted either way: read just before the delete and recorded as deletes (or updates).

Entries are collected in the session and written with one batched INSERT after each flush and
before commit; a rollback discards them with the changes. Events that are not row changes (a
sign-in, a lock) are recorded by services through :func:`record`, into the same table.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, event, insert, inspect, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from roster.core import context
from roster.db import Base, utcnow
from roster.domains.audit.models import AuditEntry

REDACTED = "[redacted]"
_BUFFER = "audit_entries"
_CHUNK = 1000  # keys per IN list when reading rows about to change


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


# --- what is audited -------------------------------------------------------------------------

_cache: dict[str, Any] = {}


def _audited() -> dict[Table, type]:
    """Audited tables and their classes (recomputed if models were added since)."""
    mappers = Base.registry.mappers
    if _cache.get("n") != len(mappers):
        _cache["n"] = len(mappers)
        _cache["audited"] = {m.local_table: m.class_ for m in mappers
                             if getattr(m.class_, "__audit__", None)}
        _cache["dependents"] = {}
    return _cache["audited"]


def _dependents(table: Table) -> list[tuple[Table, Any]]:
    """Foreign keys of other tables onto ``table`` that the database acts on when a row of it
    is deleted (CASCADE, SET NULL)."""
    _audited()
    deps = _cache["dependents"]
    if table not in deps:
        deps[table] = [(child, fk) for child in Base.metadata.tables.values()
                       for fk in child.foreign_key_constraints
                       if fk.referred_table is table
                       and (fk.ondelete or "").upper() in ("CASCADE", "SET NULL")]
    return deps[table]


def _columns(table: Table) -> list:
    return [c for c in table.columns if not c.info.get("audit_skip")]


def _tenant_key(cls: type) -> str:
    return getattr(cls, "__audit_tenant__", "tenant_id")


def _entry(cls: type, action: str, key: Sequence[Any], tenant_id: Any, before, after
           ) -> dict[str, Any]:
    return {
        "at": utcnow(), "tenant_id": tenant_id, "actor": context.actor.get(),
        "request_id": context.request_id.get(), "entity": cls.__audit__,
        "entity_id": ":".join(str(k) for k in key if k is not None), "action": action,
        "before": before, "after": after,
    }


def _row_entry(table: Table, action: str, row: dict[str, Any], before, after
               ) -> dict[str, Any] | None:
    cls = _audited().get(table)
    if cls is None:
        return None
    key = [row.get(c.key) for c in table.primary_key.columns]
    return _entry(cls, action, key, row.get(_tenant_key(cls)), before, after)


_SIMPLE = (str, int, float, bool, list, dict)


def _image(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The audited values of a row (a batch has thousands: the column list is computed once)."""
    spec = _cache.setdefault("spec", {}).get(table)
    if spec is None:
        spec = _cache["spec"][table] = [(c.key, bool(c.info.get("secret")))
                                        for c in _columns(table)]
    out: dict[str, Any] = {}
    for key, secret in spec:
        if key in row:
            value = row[key]
            if secret:
                value = None if value is None else REDACTED
            elif value is not None and not isinstance(value, _SIMPLE):
                value = _plain(value)
            out[key] = value
    return out


def _buffer(session: Session, entries: Iterable[dict[str, Any] | None]) -> None:
    session.info.setdefault(_BUFFER, []).extend(e for e in entries if e is not None)


def _drain(session: Session) -> None:
    rows = session.info.pop(_BUFFER, None)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


# --- ORM flushes -----------------------------------------------------------------------------

def _snapshot(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {attr.key: _value(attr.columns[0], getattr(obj, attr.key))
            for attr in mapper.column_attrs if not attr.columns[0].info.get("audit_skip")}


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


def _obj_entry(obj: Any, action: str, before, after) -> dict[str, Any]:
    # New rows have their keys after the flush but no identity yet: read the key columns.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return _entry(type(obj), action, key, getattr(obj, _tenant_key(type(obj)), None), before,
                  after)


@event.listens_for(Session, "before_flush")
def _audit_orm_cascades(session: Session, _flush_context, _instances) -> None:
    # Rows the database will remove with the deleted objects must be read before they go.
    for obj in list(session.deleted):
        state = inspect(obj)
        table = state.mapper.local_table
        if _dependents(table):
            row = {c.key: getattr(obj, attr.key) for attr in state.mapper.column_attrs
                   for c in attr.columns if c.table is table}
            _buffer(session, _cascades(session, table, [row]))


@event.listens_for(Session, "after_flush")
def _audit_orm_flush(session: Session, _flush_context) -> None:
    # After the flush new rows have their keys, while new/dirty/deleted and attribute history
    # still describe what this flush changed.
    entries = []
    for obj in session.new:
        if getattr(obj, "__audit__", None):
            entries.append(_obj_entry(obj, "create", None, _snapshot(obj)))
    for obj in session.dirty:
        if getattr(obj, "__audit__", None) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                entries.append(_obj_entry(obj, "update", before, after))
    for obj in session.deleted:
        if getattr(obj, "__audit__", None):
            entries.append(_obj_entry(obj, "delete", _snapshot(obj), None))
    _buffer(session, entries)
    _drain(session)


@event.listens_for(Session, "before_commit")
def _audit_before_commit(session: Session) -> None:
    _drain(session)


@event.listens_for(Session, "after_rollback")
def _audit_after_rollback(session: Session) -> None:
    session.info.pop(_BUFFER, None)


# --- Core statements -------------------------------------------------------------------------

def _rows_by_key(session: Session, table: Table, columns: Sequence, keys: list[tuple]
                 ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i:i + _CHUNK]
        where = (columns[0].in_([k[0] for k in chunk]) if len(columns) == 1
                 else tuple_(*columns).in_(chunk))
        out += [dict(r) for r in session.execute(select(table).where(where)).mappings()]
    return out


def _cascades(session: Session, table: Table, rows: list[dict[str, Any]], depth: int = 0
              ) -> list[dict[str, Any] | None]:
    """Entries for what the database deletes (CASCADE) or nulls (SET NULL) with ``rows``."""
    entries: list[dict[str, Any] | None] = []
    if depth > 8 or not rows:
        return entries
    for child, fk in _dependents(table):
        parent_cols = [e.column for e in fk.elements]
        child_cols = [e.parent for e in fk.elements]
        keys = sorted({tuple(r[c.key] for c in parent_cols) for r in rows}
                      - {tuple(None for _ in parent_cols)}, key=repr)
        if not keys:
            continue
        hit = _rows_by_key(session, child, child_cols, keys)
        if fk.ondelete.upper() == "CASCADE":
            entries += _cascades(session, child, hit, depth + 1)
            entries += [_row_entry(child, "delete", r, _image(child, r), None) for r in hit]
        else:
            nulled = {c.key: None for c in child_cols}
            entries += [_row_entry(child, "update", r,
                                   _image(child, {k: r[k] for k in nulled}), nulled)
                        for r in hit]
    return entries


def _params(state: ORMExecuteState) -> list[dict[str, Any]] | None:
    params = state.parameters
    if isinstance(params, list):
        return params
    return None


def _matching(state: ORMExecuteState, table: Table) -> list[dict[str, Any]]:
    """The rows a single UPDATE or DELETE statement is about to change."""
    stmt = select(table)
    if state.statement.whereclause is not None:
        stmt = stmt.where(state.statement.whereclause)
    return [dict(r) for r in state.session.execute(stmt, state.parameters or {}).mappings()]


def _insert(state: ORMExecuteState, table: Table):
    stmt = state.statement
    rows = _params(state)
    if rows is None:
        # insert(...).values({...}): the values are the statement's own parameters
        compiled = stmt.compile()
        rows = [{c.key: compiled.params[c.key] for c in table.columns
                 if c.key in compiled.params}]
    pk = list(table.primary_key.columns)
    if all(c.key in r for r in rows for c in pk):
        result = state.invoke_statement()
        keys = [[r[c.key] for c in pk] for r in rows]
    else:
        # Ask for the generated keys, in the order of the rows, and hand the caller only what
        # it asked for.
        asked = len(stmt.returning_column_descriptions or ())
        frozen = state.invoke_statement(
            statement=stmt.returning(*pk, sort_by_parameter_order=True)).freeze()
        keys = [list(row[asked:]) for row in frozen().all()]
        result = frozen().columns(*range(asked)) if asked else frozen()
    entries = []
    for row, key in zip(rows, keys, strict=True):
        full = {**row, **{c.key: k for c, k in zip(pk, key, strict=True)}}
        entries.append(_row_entry(table, "create", full, None, _image(table, full)))
    _buffer(state.session, entries)
    return result


def _update(state: ORMExecuteState, table: Table):
    stmt = state.statement
    rows = _params(state)
    pk = list(table.primary_key.columns)
    if rows is not None:
        if stmt.whereclause is not None or not all(c.key in r for r in rows for c in pk):
            raise TypeError(f"audited table {table.name}: update many rows as update(Model) "
                            "with a list of rows holding their primary keys")
        before = {tuple(r[c.key] for c in pk): r
                  for r in _rows_by_key(state.session, table, pk,
                                        [tuple(r[c.key] for c in pk) for r in rows])}
        result = state.invoke_statement()
        changes = [(before.get(tuple(r[c.key] for c in pk)), r) for r in rows]
    else:
        found = _matching(state, table)
        result = state.invoke_statement()
        after = {tuple(r[c.key] for c in pk): r
                 for r in _rows_by_key(state.session, table, pk,
                                       [tuple(r[c.key] for c in pk) for r in found])}
        changes = [(r, after.get(tuple(r[c.key] for c in pk), {})) for r in found]
    entries = []
    for old, new in changes:
        if old is None:
            continue
        diff = [c for c in _columns(table) if c.key in new and c.key not in
                {k.key for k in pk} and new[c.key] != old[c.key]]
        if diff:
            entries.append(_row_entry(table, "update", old,
                                      {c.key: _value(c, old[c.key]) for c in diff},
                                      {c.key: _value(c, new[c.key]) for c in diff}))
    _buffer(state.session, entries)
    return result


def _delete(state: ORMExecuteState, table: Table):
    if _params(state) is not None:
        raise TypeError(f"audited table {table.name}: delete with one statement and a WHERE")
    found = _matching(state, table)
    entries = _cascades(state.session, table, found)
    entries += [_row_entry(table, "delete", r, _image(table, r), None) for r in found]
    result = state.invoke_statement()
    _buffer(state.session, entries)
    return result


@event.listens_for(Session, "do_orm_execute")
def _audit_statement(state: ORMExecuteState):
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table):
        return None
    # ORM-enabled statements carry an annotated table; select from the plain one (selecting
    # the annotated one would load entities).
    table = Base.metadata.tables.get(table.fullname, table)
    if state.is_delete:
        return _delete(state, table) if table in _audited() or _dependents(table) else None
    if table not in _audited():
        return None
    return _insert(state, table) if state.is_insert else _update(state, table)


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
    session.info.setdefault(_BUFFER, []).append({
        "at": utcnow(), "tenant_id": tenant_id, "actor": context.actor.get(),
        "request_id": context.request_id.get(), "entity": entity, "entity_id": str(entity_id),
        "action": action, "before": before, "after": after})
