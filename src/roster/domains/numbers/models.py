from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, Timestamped


class Number(Timestamped, Base):
    """A DID bought by a tenant (FCC-40); assigned to at most one user."""

    __tablename__ = "numbers"
    __audit__ = "number"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           index=True)
    # A DID routes to one tenant, so it is unique in the installation.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    assigned_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True)
