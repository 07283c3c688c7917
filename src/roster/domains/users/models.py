from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roster.db import Base, Timestamped
from roster.domains.users.rules import ROLES

SECRET = {"secret": True}


class User(Timestamped, Base):
    """A person of a tenant: the fields of the user form (requirements §2-5)."""

    __tablename__ = "users"
    __audit__ = "user"
    __table_args__ = (
        UniqueConstraint("tenant_id", "extension"),
        UniqueConstraint("tenant_id", "pin_digest"),
        UniqueConstraint("tenant_id", "password_digest"),
        Index(None, "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # basic tab (FCC-1..16)
    full_name: Mapped[str] = mapped_column(String(200))
    login: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    requires_daily_login: Mapped[bool] = mapped_column(default=False)
    pin_digest: Mapped[str | None] = mapped_column(String(64), info=SECRET)
    active: Mapped[bool] = mapped_column(default=True)
    visible: Mapped[bool] = mapped_column(default=True)
    panel_access: Mapped[bool] = mapped_column(default=True)
    mobile_app: Mapped[bool] = mapped_column(default=False)
    ms_teams: Mapped[bool] = mapped_column(default=False)
    ms_teams_identity: Mapped[str | None] = mapped_column(String(254))
    keep_station_on_logout: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(2), default="en")
    password_hash: Mapped[str | None] = mapped_column(String(200), info=SECRET)
    password_digest: Mapped[str | None] = mapped_column(String(64), info=SECRET)
    # The strictest policy length (8, 10 or 12) the current password met when it was set, so a
    # role change can tell whether the password still complies without knowing it.
    password_policy_len: Mapped[int | None]
    password_must_change: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str | None] = mapped_column(Text)
    email_notifications: Mapped[bool] = mapped_column(default=True)
    ticket_update_notifications: Mapped[bool] = mapped_column(default=False)
    greeting_type: Mapped[str | None] = mapped_column(String(40))
    avatar_type: Mapped[str | None] = mapped_column(String(40))
    # account kinds (FCC-20): rows of user_roles, written by the users service with Core
    # statements (hence read-only here); loaded with the user.
    role_rows: Mapped[list[UserRole]] = relationship(lazy="selectin", viewonly=True,
                                                     order_by="UserRole.role")
    # multiple interactions (FCC-30/31); calls are fixed at one
    max_email: Mapped[int] = mapped_column(default=1)
    max_sms: Mapped[int] = mapped_column(default=1)
    max_chat: Mapped[int] = mapped_column(default=1)
    call_blocks_other: Mapped[bool] = mapped_column(default=True)
    # telephony (FCC-40..49)
    external_number: Mapped[str | None] = mapped_column(String(20))
    extension: Mapped[str | None] = mapped_column(String(10))
    sip_ha1: Mapped[str | None] = mapped_column(String(32), info=SECRET)
    sip_ha1b: Mapped[str | None] = mapped_column(String(32), info=SECRET)
    recording: Mapped[bool] = mapped_column(default=False)
    did_as_station: Mapped[bool] = mapped_column(default=False)
    presentation_number: Mapped[str | None] = mapped_column(String(20))
    data_transmission: Mapped[bool] = mapped_column(default=False)
    blacklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    whitelist: Mapped[list[str]] = mapped_column(JSON, default=list)
    emergency_region: Mapped[str | None] = mapped_column(String(100))
    emergency_county: Mapped[str | None] = mapped_column(String(100))
    emergency_commune: Mapped[str | None] = mapped_column(String(100))
    contact_address: Mapped[str | None] = mapped_column(String(500))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    communication_means: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def role_list(self) -> list[str]:
        held = {r.role for r in self.role_rows}
        return [r for r in ROLES if r in held]


# Logins and e-mail addresses are unique ignoring case ("Jan" and "jan" are one login).
Index("uq_users_tenant_id_login_ci", User.tenant_id, func.lower(User.login), unique=True)
Index("uq_users_tenant_id_email_ci", User.tenant_id, func.lower(User.email), unique=True)


class UserRole(Base):
    """One account kind a user holds (FCC-20). Keyed by user; the second index answers "users of
    tenant T with role R, in id order" with an index range scan."""

    __tablename__ = "user_roles"
    __audit__ = "user_role"
    __table_args__ = (
        Index(None, "tenant_id", "role", "user_id"),
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")",
                        name="known_role"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
