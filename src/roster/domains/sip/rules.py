"""Pure rules of the SIP line: addresses, which registrations a change invalidates, and the
rendering of Kamailio's configuration."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

AUTH_TABLE = "sip_subscriber"
DEVICE_AUTH_TABLE = "sip_device_subscriber"


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


def render(template: str, values: Mapping[str, Any], lines: tuple[str, ...] = ()) -> str:
    """Fill ``{{name}}`` placeholders (the cfg language is full of braces, so not str.format).
    A missing value, or one that could break out of a quoted cfg string, is an error; ``lines``
    names values made of whole cfg lines Roster generated itself (checked line by line)."""
    for key, value in values.items():
        bad = "\r\\" if key in lines else '"\r\n\\'
        if any(c in str(value) for c in bad):
            raise ValueError(f"bad character in {key}")

    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key not in values:
            raise KeyError(f"missing template value: {key}")
        return str(values[key])

    return _PLACEHOLDER.sub(sub, template)


# --- listeners (transports) ------------------------------------------------------------------

PROTOCOLS = ("udp", "tcp", "tls", "ws", "wss")


@dataclass(frozen=True)
class Listener:
    proto: str
    host: str
    port: int

    @property
    def socket(self) -> str:
        """Kamailio's socket: WebSocket rides on TCP, secure WebSocket on TLS."""
        base = {"ws": "tcp", "wss": "tls"}.get(self.proto, self.proto)
        return f"{base}:{self.host}:{self.port}"


def parse_listen(spec: str) -> Listener:
    """``proto:host:port`` (e.g. ``tls:127.0.0.1:5061``); ValueError says what is wrong."""
    parts = spec.strip().split(":")
    if len(parts) != 3:
        raise ValueError(f"{spec!r}: expected proto:host:port")
    proto, host, port = parts[0].lower(), parts[1], parts[2]
    if proto not in PROTOCOLS:
        raise ValueError(f"{spec!r}: the transport is one of {', '.join(PROTOCOLS)}")
    if not re.fullmatch(r"[A-Za-z0-9.-]{1,253}", host):
        raise ValueError(f"{spec!r}: bad host")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{spec!r}: the port is 1-65535")
    return Listener(proto, host, int(port))


def listeners(specs: list[str], *, sip_port: int, ws_port: int) -> list[Listener]:
    """The listeners asked for; by default UDP on 127.0.0.1:<sip_port> and plain WebSocket on
    127.0.0.1:<ws_port>. Two listeners cannot share a transport socket."""
    out = ([parse_listen(s) for s in specs if s.strip()]
           or [Listener("udp", "127.0.0.1", sip_port), Listener("ws", "127.0.0.1", ws_port)])
    sockets = [entry.socket for entry in out]
    if len(set(sockets)) != len(sockets):
        raise ValueError("two listeners on the same transport, host and port")
    return out


def split_listen_setting(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


def phone_listener(settings: Any) -> Listener:
    """Where phones send SIP: the first UDP listener, else TCP, else TLS (0.0.0.0 means the
    loopback address to a local client)."""
    found = listeners(split_listen_setting(settings.sip_listen),
                      sip_port=settings.kamailio_sip_port, ws_port=settings.kamailio_ws_port)
    for proto in ("udp", "tcp", "tls"):
        for entry in found:
            if entry.proto == proto:
                host = "127.0.0.1" if entry.host in ("0.0.0.0", "*") else entry.host
                return Listener(proto, host, entry.port)
    raise ValueError("no udp, tcp or tls listener")


# --- call routing (answers handed to Kamailio) -----------------------------------------------

_EXTERNAL = re.compile(r"^\+?[0-9]{5,20}$")


def looks_external(number: str) -> bool:
    """A dialled number that can only be a phone number outside the tenant."""
    return bool(_EXTERNAL.match(number))


def gateway_uri(e164: str, gateway: str) -> str | None:
    """``sip:+48...@gateway-host:port`` for a number, or None when no gateway is configured."""
    if not gateway:
        return None
    host = gateway.removeprefix("sip:").split(";")[0]
    return f"sip:{e164}@{host}"


def call_targets(steps: list[dict[str, Any]], *, gateway: str) -> list[dict[str, Any]]:
    """Ring-chain steps as Kamailio's branches: line devices are looked up in the registrar,
    forwarding numbers go to the gateway (left out when there is none)."""
    out = []
    for s in steps:
        uri = s["uri"]
        if uri.startswith("tel:"):
            uri = gateway_uri(uri[4:], gateway)
            if uri is None:
                continue
            out.append({"uri": uri, "after_s": s["after_s"], "lookup": False})
        else:
            out.append({"uri": uri, "after_s": s["after_s"], "lookup": True})
    return out


def profile_size(result: Any) -> int:
    """The size ``dlg.profile_get_size`` reports (a number, or an object holding ``size``)."""
    if isinstance(result, int):
        return result
    if isinstance(result, dict):
        return int(result.get("size", 0) or 0)
    if isinstance(result, list) and result:
        return profile_size(result[0])
    return 0


def robot_password(secret: str) -> str:
    """The call-back robot's SIP password, derived from the callback secret Kamailio and Roster
    share (so neither needs another secret on disk)."""
    import hashlib
    import hmac

    return hmac.new(secret.encode(), b"sip-robot", hashlib.sha256).hexdigest()[:32]


ROBOT_USER = "roster-robot"
