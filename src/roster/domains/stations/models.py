"""Stations (phone positions), agent state and its history (FCC-4, FCC-5, FCC-11, DAK-21)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, Timestamped, utcnow


class Station(Timestamped, Base):
    """A phone position an agent logs in to with the agent PIN (hot-desking)."""

    __tablename__ = "stations"
    __audit__ = "station"
    __table_args__ = (UniqueConstraint("tenant_id", "extension"), Index(None, "tenant_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    extension: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    # the agent logged in here now
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    # FCC-11: kept for this agent after it logged out
    reserved_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # failed PIN sign-ins at this station, and until when it refuses PINs
    failed_pins: Mapped[int] = mapped_column(default=0, info={"audit_skip": True})
    pin_locked_until: Mapped[datetime | None] = mapped_column(info={"audit_skip": True})


class AgentState(Base):
    """The current state of an agent (one row per user, created on first change)."""

    __tablename__ = "agent_states"
    __audit__ = "agent_state"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default="logged_out")
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentStateChange(Base):
    """History of agent states: who, when, from what, to what, and through which channel."""

    __tablename__ = "agent_state_changes"
    __table_args__ = (Index(None, "tenant_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    previous: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    # api | station | phone | end_of_day
    source: Mapped[str] = mapped_column(String(20))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
