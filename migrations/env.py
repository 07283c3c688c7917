"""Alembic environment: the only way Roster's schema is made."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import event
from sqlalchemy.engine import Connection

from roster.config import get_settings
from roster.db import create_engine
from roster.models import Base

config = context.config
target_metadata = Base.metadata


# Kamailio's own tables, created by migration 0003 from its stock schema; no model maps them.
KAMAILIO_TABLES = {"version", "location", "location_attrs", "sip_subscriber"}


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and reflected and name in KAMAILIO_TABLES)


def _url() -> str:
    return config.attributes.get("url") or get_settings().resolved_database_url()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True, include_object=_include_object)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    if engine.dialect.name == "sqlite":
        # Rebuilding a table (batch mode) drops the old one: with foreign keys on, SQLite would
        # cascade that drop into every referencing table. Migrations that rebuild tables check
        # the keys themselves afterwards (PRAGMA foreign_key_check).
        @event.listens_for(engine.sync_engine, "connect")
        def _foreign_keys_off(dbapi_conn, _record):  # pragma: no cover - driver glue
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
