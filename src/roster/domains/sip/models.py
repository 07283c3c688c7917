"""Kamailio's side of the database, described for reading only.

The registrar tables are created by migration 0003 in Kamailio's stock layout and are not ORM
models of Roster: ``sip_subscriber`` is a view over users and tenants on SQLite and a table kept by
triggers on PostgreSQL (migration 0006_sipaccounts; Roster's code never writes it), and
``location`` is written by Kamailio alone (Roster drops registrations through JSON-RPC, never with
SQL, or Kamailio's memory and the table would disagree). They live in their own MetaData so
Alembic's autogenerate does not try to manage them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base

kamailio_metadata = MetaData()

sip_subscriber = Table(
    "sip_subscriber", kamailio_metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64)),
    Column("domain", String(64)),
    Column("password", String(64)),
    Column("ha1", String(128)),
    Column("ha1b", String(128)),
)

location = Table(
    "location", kamailio_metadata,
    Column("id", Integer, primary_key=True),
    Column("ruid", String(64)),
    Column("username", String(64)),
    Column("domain", String(64)),
    Column("contact", String(512)),
)


class SipLock(Base):
    """A SIP account locked after failed digest authentications from many sources (brute
    force). Kamailio counts the failures and refuses the account at once (htable ``acctlock``,
    for lockout_seconds, like a panel lock-out); this row is Roster's record of it (audited,
    listed, lifted by an administrator), and the view ``sip_lock_keys`` hands the locks in
    force back to a restarted Kamailio."""

    __tablename__ = "sip_locks"
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    locked_until: Mapped[datetime]
