from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import tenant_router
from roster.core.uow import DB
from roster.domains.audit import repository as repo
from roster.domains.audit.schemas import AuditOut

router = tenant_router("/audit", ["audit"])
Text = Annotated[str | None, Query(max_length=120)]


@router.get("", response_model=Page[AuditOut])
async def list_audit(db: DB, page: Paging, actor: Annotated[Actor, Requires("audit.read")],
                     entity: Text = None, entity_id: Text = None, action: Text = None,
                     by: Text = None, request_id: Text = None,
                     since: datetime | None = None, until: datetime | None = None
                     ) -> Page[AuditOut]:
    """The tenant's audit log (X-1), oldest first; filter by entity, action, actor, time."""
    filters = repo.AuditFilters(entity=entity, entity_id=entity_id, action=action, actor=by,
                                request_id=request_id, since=since, until=until)
    rows, cursor = page_of(await repo.list_page(db, actor.tenant_id, filters, page), page)
    return Page(items=[AuditOut.model_validate(r) for r in rows], next_cursor=cursor)
