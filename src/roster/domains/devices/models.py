"""Devices of a user and their ring chain (OKI-20, DAK-20, WEB-21); NAT settings (WEB-22)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, Timestamped


class Device(Timestamped, Base):
    """One way of reaching a user. Line kinds (web workplace, SIP phone, mobile app) register on
    the registrar: the default device as the user's extension with the user's SIP password, every
    further one as ``<extension>-<n>`` with credentials of its own (DAK-20), so the ring chain can
    ring them one by one. Forwarding kinds ring a phone number through the outbound gateway."""

    __tablename__ = "devices"
    __audit__ = "device"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "target"),
        UniqueConstraint("tenant_id", "sip_username"),
        Index(None, "tenant_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # E.164 for forwarding kinds; NULL for line kinds
    target: Mapped[str | None] = mapped_column(String(20))
    # seconds after the call arrives before this device starts ringing (DAK-20)
    ring_after_s: Mapped[int] = mapped_column(default=0)
    # tie-break between devices that start at the same moment
    position: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    # line kinds: the SIP user name it registers as (the extension, or "<extension>-<n>")
    sip_username: Mapped[str | None] = mapped_column(String(16))
    # own credentials of a further line device, as HA1 digests only (never the password)
    sip_ha1: Mapped[str | None] = mapped_column(String(32), info={"secret": True})
    sip_ha1b: Mapped[str | None] = mapped_column(String(32), info={"secret": True})
    # desk phones: provisioned by MAC address with a per-device token (stored as its SHA-256)
    mac: Mapped[str | None] = mapped_column(String(12), unique=True)
    provisioning_digest: Mapped[str | None] = mapped_column(String(64), info={"secret": True})


class UserNat(Base):
    """WEB-22: whether the user's web phone uses STUN/TURN for NAT traversal."""

    __tablename__ = "user_nat"
    __audit__ = "user_nat"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    stun_turn: Mapped[bool] = mapped_column(default=True)


class TenantIce(Base):
    """WEB-22: the ICE (STUN/TURN) servers of a tenant's web phones."""

    __tablename__ = "tenant_ice"
    __audit__ = "tenant_ice"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           primary_key=True)
    # [{"urls": ["stun:..."], "username": ..., "credential": ...}]
    servers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list,
                                                          info={"secret": True})
