from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, Timestamped


class Tenant(Timestamped, Base):
    __tablename__ = "tenants"
    __audit__ = "tenant"
    __audit_tenant__ = "id"  # a tenant's entries belong to the tenant itself

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sip_domain: Mapped[str] = mapped_column(String(253), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_language: Mapped[str] = mapped_column(String(2), default="en")
    phone_region: Mapped[str] = mapped_column(String(2), default="PL")
    active: Mapped[bool] = mapped_column(default=True)

