"""Kamailio's side of the database, described for reading only.

The registrar tables are created by migration 0003 in Kamailio's stock layout and are not ORM
models of Roster: ``sip_subscriber`` is a view over users and tenants (Roster never writes it), and
``location`` is written by Kamailio alone (Roster drops registrations through JSON-RPC, never with
SQL, or Kamailio's memory and the table would disagree). They live in their own MetaData so
Alembic's autogenerate does not try to manage them.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table

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
