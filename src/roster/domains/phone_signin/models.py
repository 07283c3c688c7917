"""Sign-in by SIP call-back (SIPL-20): one row per attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, utcnow


class PhoneSignin(Base):
    """A call-back sign-in: Roster calls the person's phone, a robot reads out a one-time code,
    the person types it as DTMF. The waiting client holds the poll key; the row stores only its
    SHA-256 (the key is a bearer secret until the session is handed over)."""

    __tablename__ = "phone_signins"
    __table_args__ = (Index(None, "sip_address", "created_at"), Index(None, "source", "created_at"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True, info={"secret": True})
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # the address as typed (lower-cased), for throttling; the client's address
    sip_address: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(64))
    # pending -> calling -> verified -> claimed | failed | expired
    status: Mapped[str] = mapped_column(String(12), default="pending")
    reason: Mapped[str | None] = mapped_column(String(40))
    code_digest: Mapped[str | None] = mapped_column(String(64), info={"secret": True})
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
