"""The tenant's pool of DIDs (FCC-40)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import Problem, conflict, found, invalid
from roster.domains.numbers import repository as repo
from roster.domains.numbers import rules
from roster.domains.numbers.models import Number
from roster.domains.tenants.models import Tenant
from roster.domains.users.rules import normalize_number


async def add_number(db: AsyncSession, *, tenant: Tenant, number: str) -> Number:
    """Add a bought number to the pool, normalised to E.164 with the tenant's region."""
    e164, errors = normalize_number(number, tenant.phone_region, "number")
    if errors:
        raise invalid(*errors)
    if await repo.exists_anywhere(db, e164):
        raise conflict("number", "number_taken", "This number is already in use in this "
                       "installation.")
    row = Number(tenant_id=tenant.id, number=e164)
    db.add(row)
    await db.flush()
    return row


async def remove_number(db: AsyncSession, *, tenant: Tenant, number_id: int) -> None:
    """Remove a number from the pool; only when no user has it."""
    row = found(await repo.get(db, tenant.id, number_id), "number")
    errors = rules.check_removable(row.assigned_user_id)
    if errors:
        raise Problem(409, "Conflict", errors[0].message, errors, code=errors[0].code)
    await db.delete(row)
    await db.flush()
