from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, Timestamped


class Queue(Timestamped, Base):
    """A queue (OKI-31: a name and a scenario) or an auto-dialer campaign (OKI-31: a name).

    Both kinds live in one table; ``kind`` tells them apart and names are unique per tenant
    and kind.
    """

    __tablename__ = "queues"
    __audit__ = "queue"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "name"),
        CheckConstraint("kind IN ('queue', 'campaign')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(80))
    scenario: Mapped[str | None] = mapped_column(String(200))


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
