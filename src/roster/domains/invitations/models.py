from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, utcnow


class AccessKey(Base):
    """A single-use key e-mailed to set a password: an invitation (OKI-40) or a recovery
    (FCC-14). Only its SHA-256 is stored."""

    __tablename__ = "access_keys"
    __audit__ = "access_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    purpose: Mapped[str] = mapped_column(String(16))  # invitation | recovery
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
