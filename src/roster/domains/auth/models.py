from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, utcnow


class Operator(Base):
    """A platform operator: outside every tenant, manages tenants."""

    __tablename__ = "operators"
    __audit__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthToken(Base):
    """An opaque bearer token, stored as its SHA-256 only."""

    __tablename__ = "auth_tokens"
    __audit__ = "auth_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    kind: Mapped[str] = mapped_column(String(16))  # operator | session | api
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    active_role: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(120))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginLock(Base):
    """Failed sign-ins for one tenant and login, and the lock they led to.

    Keyed by a keyed fingerprint of tenant and login rather than by user, so an unknown login
    is counted and locked exactly like a real one: the lock itself never tells whether a login
    exists. Kept apart from the user row so the bookkeeping transaction touches nothing else.
    """

    __tablename__ = "login_locks"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]


class AddressFailures(Base):
    """Failed sign-ins per client address in the current one-minute window."""

    __tablename__ = "address_failures"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)
