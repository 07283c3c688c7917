from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, Timestamped, utcnow


class Queue(Timestamped, Base):
    """A queue (OKI-31: a name and a scenario) or an auto-dialer campaign (OKI-31: a name).

    Both kinds live in one table; ``kind`` tells them apart and names are unique per tenant
    and kind.
    """

    __tablename__ = "queues"
    __audit__ = "queue"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "name"),
        UniqueConstraint("tenant_id", "extension"),
        CheckConstraint("kind IN ('queue', 'campaign')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(80))
    scenario: Mapped[str | None] = mapped_column(String(200))
    # the number callers dial to reach the queue (OKI-32); none: not reachable by phone
    extension: Mapped[str | None] = mapped_column(String(10))


class QueueMember(Base):
    """A user in a queue or campaign with a priority (OKI-32: 0-100).

    Priority 0 in a queue: the user makes manual outbound calls only and receives no inbound
    calls from it; 0 in a campaign: the user gets no calls from it.
    """

    __tablename__ = "queue_members"
    __audit__ = "queue_member"
    __table_args__ = (CheckConstraint("priority BETWEEN 0 AND 100", name="priority_range"),)

    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    priority: Mapped[int]


class QueueOffer(Base):
    """A call of a queue offered to a member: the member's recent load (OKI-32)."""

    __tablename__ = "queue_offers"
    __table_args__ = (Index(None, "queue_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
