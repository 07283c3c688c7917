"""Tokens and the principal behind them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core import clock
from roster.core.errors import conflict
from roster.core.permissions import ALL_PERMISSIONS, Principal
from roster.core.secrets import new_token, token_digest
from roster.domains.auth.models import AuthToken, Operator


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite returns naive UTC
        return value.replace(tzinfo=UTC)
    return value


async def create_operator(db: AsyncSession, *, name: str) -> tuple[Operator, str]:
    """A platform operator and its first API token (returned once, stored hashed)."""
    exists = (await db.execute(select(Operator.id).where(Operator.name == name))).first()
    if exists:
        raise conflict("name", "operator_exists", "An operator with this name exists.")
    operator = Operator(name=name)
    db.add(operator)
    await db.flush()
    plain, digest = new_token("rop")
    db.add(AuthToken(digest=digest, kind="operator", operator_id=operator.id, name="cli"))
    await db.flush()
    return operator, plain


async def principal_for_token(db: AsyncSession, plain: str) -> Principal | None:
    row = (
        await db.execute(
            select(AuthToken.id, AuthToken.kind, AuthToken.operator_id, AuthToken.user_id,
                   AuthToken.tenant_id, AuthToken.active_role, AuthToken.expires_at,
                   AuthToken.revoked_at)
            .where(AuthToken.digest == token_digest(plain))
        )
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    expires = _aware(row.expires_at)
    if expires is not None and expires <= clock.now():
        return None
    if row.kind == "operator":
        return Principal("operator", row.operator_id, None, ALL_PERMISSIONS, token_id=row.id)
    from roster.domains.access.service import principal_for_user

    return await principal_for_user(db, token_id=row.id, kind=row.kind, user_id=row.user_id,
                                    tenant_id=row.tenant_id, active_role=row.active_role)
