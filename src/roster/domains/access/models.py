"""Custom roles (OKI-10), grants within projects (OKI-11), per-person permissions (FCC-22/23),
supervisor assignments (FCC-22, DAK-10) and call visibility (SIPL-11)."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, Timestamped


class Role(Timestamped, Base):
    """A tenant's own named set of permissions."""

    __tablename__ = "roles"
    __audit__ = "role"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(500))
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)


class RoleGrant(Base):
    """A role (the built-in "operator" or a custom one) granted to a user, optionally only
    within one project."""

    __tablename__ = "role_grants"
    __audit__ = "role_grant"
    __table_args__ = (
        CheckConstraint("(role_id IS NULL) != (builtin IS NULL)", name="one_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"),
                                                index=True)
    builtin: Mapped[str | None] = mapped_column(String(40))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)


class PermissionOverride(Base):
    """One permission granted to or revoked from one supervisor or agent (FCC-22/23)."""

    __tablename__ = "permission_overrides"
    __audit__ = "permission_override"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    permission: Mapped[str] = mapped_column(String(60), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    effect: Mapped[str] = mapped_column(String(8))  # grant | revoke


class SupervisorAssignment(Base):
    """A user or a whole group a supervisor sees and manages (FCC-22, DAK-10)."""

    __tablename__ = "supervisor_assignments"
    __audit__ = "supervisor_assignment"
    __table_args__ = (
        UniqueConstraint("supervisor_id", "user_id"),
        UniqueConstraint("supervisor_id", "group_id"),
        CheckConstraint("(user_id IS NULL) != (group_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))


class SupervisedQueue(Base):
    """A queue or campaign a supervisor sees and whose members it manages (FCC-22, DAK-10)."""

    __tablename__ = "supervised_queues"
    __audit__ = "supervised_queue"

    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))


class CallVisibility(Base):
    """An extension whose calls a person may see and listen to (SIPL-11)."""

    __tablename__ = "call_visibility"
    __audit__ = "call_visibility"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    extension: Mapped[str] = mapped_column(String(10), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
