"""Pure rules of the SIP line: addresses, which registrations a change invalidates, and the
rendering of Kamailio's configuration."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import make_url

AUTH_TABLE = "sip_subscriber"


def aor(extension: str, sip_domain: str) -> str:
    """The address of record of a line: ``extension@sip-domain`` (SIPL-1)."""
    return f"{extension}@{sip_domain}"


def is_line(*, extension: str | None, sip_ha1: str | None, active: bool) -> bool:
    return bool(extension and sip_ha1 and active)


def stale_aors_after_update(before: Mapping[str, Any], *, extension: str | None,
                            sip_ha1: str | None, active: bool, sip_domain: str) -> list[str]:
    """Registrations that no longer hold after a user change (X-5): the user was deactivated, its
    extension or its SIP password changed, or its line was removed. A registration made with the
    old credentials must not outlive them."""
    old_ext = before.get("extension")
    if not old_ext or not before.get("sip_ha1"):
        return []
    if (not active or extension != old_ext or sip_ha1 != before.get("sip_ha1")
            or not before.get("active", True)):
        return [aor(old_ext, sip_domain)]
    return []


def kamailio_db_url(sqlalchemy_url: str) -> tuple[str, str]:
    """Kamailio's module and URL for Roster's database URL.

    SQLite needs four slashes for an absolute path (``sqlite:////abs/file.db``): Kamailio's URL
    parser strips one, and with three the file is opened relative to its working directory.
    """
    url = make_url(sqlalchemy_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database or ""
        if not path.startswith("/"):
            raise ValueError("Kamailio needs an absolute SQLite path")
        return "db_sqlite", "sqlite:///" + path
    if backend == "postgresql":
        auth = url.username or ""
        if url.password:
            auth += ":" + str(url.password)
        host = url.host or "127.0.0.1"
        port = url.port or 5432
        return "db_postgres", f"postgres://{auth}{'@' if auth else ''}{host}:{port}/{url.database}"
    raise ValueError(f"Kamailio cannot use a {backend} database")


def kamailio_children(db_module: str, wanted: int) -> int:
    """db_sqlite in Kamailio 5.6 has no busy timeout: a second worker writing ``location`` fails
    with "database is locked". One worker on SQLite, as many as asked on PostgreSQL."""
    return 1 if db_module == "db_sqlite" else wanted


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill ``{{name}}`` placeholders (the cfg language is full of braces, so not str.format).
    A missing value, or one that could break out of a quoted cfg string, is an error."""
    for key, value in values.items():
        if any(c in str(value) for c in '"\r\n\\'):
            raise ValueError(f"bad character in {key}")

    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key not in values:
            raise KeyError(f"missing template value: {key}")
        return str(values[key])

    return _PLACEHOLDER.sub(sub, template)
