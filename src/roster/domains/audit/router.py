from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Query

from roster.core.errors import FieldError, invalid
from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import tenant_router
from roster.core.uow import DB
from roster.domains.audit import repository as repo
from roster.domains.audit.schemas import AuditOut

router = tenant_router("/audit", ["audit"])
Text = Annotated[str | None, Query(max_length=120)]
Instant = Annotated[str | None, Query(
    max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:\d{2})?$",
    description="ISO 8601 date or date-time; UTC when no offset is given")]


def _instant(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(FieldError(field, "invalid_datetime", "Not a valid date or date-time.")) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.get("", response_model=Page[AuditOut])
async def list_audit(db: DB, page: Paging, actor: Annotated[Actor, Requires("audit.read")],
                     entity: Text = None, entity_id: Text = None, action: Text = None,
                     by: Text = None, request_id: Text = None,
                     since: Instant = None, until: Instant = None,
                     order: Annotated[Literal["oldest", "newest"], Query()] = "oldest",
                     ) -> Page[AuditOut]:
    """The tenant's audit log (X-1), oldest first (or newest first); filter by entity, action,
    actor, time."""
    filters = repo.AuditFilters(entity=entity, entity_id=entity_id, action=action, actor=by,
                                request_id=request_id, since=_instant(since, "since"),
                                until=_instant(until, "until"))
    rows, cursor = page_of(await repo.list_page(db, actor.tenant_id, filters, page,
                                                newest_first=order == "newest"), page)
    return Page(items=[AuditOut.model_validate(r) for r in rows], next_cursor=cursor)
