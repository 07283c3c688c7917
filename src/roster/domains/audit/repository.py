from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.pagination import PageParams, paginate
from roster.domains.audit.models import AuditEntry


@dataclass
class AuditFilters:
    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    actor: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_page(db: AsyncSession, tenant_id: int, f: AuditFilters, page: PageParams, *,
                    newest_first: bool = False) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    for column, value in ((AuditEntry.entity, f.entity), (AuditEntry.entity_id, f.entity_id),
                          (AuditEntry.action, f.action), (AuditEntry.actor, f.actor),
                          (AuditEntry.request_id, f.request_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.since is not None:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEntry.at < f.until)
    return list((await db.execute(paginate(stmt, AuditEntry.id, page,
                                           descending=newest_first))).scalars())
