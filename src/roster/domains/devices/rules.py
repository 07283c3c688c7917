"""Pure rules of devices and ring chains (OKI-20, DAK-20, WEB-21, WEB-22)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from roster.core.errors import FieldError
from roster.domains.users.rules import normalize_number

# Line kinds register with the user's own SIP account (extension@domain); forwarding kinds ring
# a phone number.
LINE_KINDS = ("web_workplace", "sip_phone", "mobile_app")
FORWARD_KINDS = ("work_number", "personal_number")
KINDS = LINE_KINDS + FORWARD_KINDS
MAX_RING_AFTER_S = 120
MAX_DEVICES = 10
MAX_ICE_SERVERS = 10
ICE_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


def check_device(*, kind: str, target: str | None, ring_after_s: int | None, region: str,
                 has_extension: bool) -> tuple[str | None, list[FieldError]]:
    """The stored target of a device and every error of its fields."""
    errors: list[FieldError] = []
    stored: str | None = None
    if kind in LINE_KINDS:
        if target:
            errors.append(FieldError("target", "target_not_allowed",
                                     "A line device rings the user's own extension; give no target."))
        if not has_extension:
            errors.append(FieldError("kind", "extension_required",
                                     "A SIP device needs the user to have an extension (WEB-20)."))
    elif kind in FORWARD_KINDS:
        if not target:
            errors.append(FieldError("target", "required", "A forwarding device needs a number."))
        else:
            # validated like every other number of the user form
            stored, errs = normalize_number(target, region, "target")
            errors.extend(errs)
    else:
        errors.append(FieldError("kind", "invalid_choice", f"Kind must be one of {', '.join(KINDS)}."))
    if ring_after_s is not None and not 0 <= ring_after_s <= MAX_RING_AFTER_S:
        errors.append(FieldError("ring_after_s", "out_of_range",
                                 f"Ring after 0 to {MAX_RING_AFTER_S} seconds."))
    return stored, errors


def default_device_kind(communication_means: Sequence[str] | None) -> str:
    """WEB-21: the device a telephony user gets when saved with an extension: the first line kind
    among its communication means (OKI-20 recommends the web workplace), else a SIP phone."""
    for mean in communication_means or ():
        if mean in LINE_KINDS:
            return mean
    return "sip_phone"


def line_username(extension: str, index: int) -> str:
    """DAK-20: the SIP user name of a user's line device: the default one registers as the
    extension itself, every further one as ``<extension>-<n>`` (n from 2)."""
    return extension if index == 1 else f"{extension}-{index}"


def next_line_index(usernames: Iterable[str | None], extension: str) -> int:
    """The smallest free ``n`` >= 2 among the user's further line devices."""
    taken = set()
    for name in usernames:
        if name and name.startswith(extension + "-") and name[len(extension) + 1:].isdigit():
            taken.add(int(name[len(extension) + 1:]))
    n = 2
    while n in taken:
        n += 1
    return n


def renamed_username(username: str | None, old_extension: str | None,
                     new_extension: str | None) -> str | None:
    """A line device's user name after the user's extension changed (keeps its ``-n``)."""
    if not username or not new_extension:
        return None
    if username == old_extension:
        return new_extension
    suffix = username.rsplit("-", 1)[-1] if "-" in username else ""
    return f"{new_extension}-{suffix}" if suffix.isdigit() else new_extension


def normalize_mac(value: str) -> tuple[str | None, list[FieldError]]:
    """A MAC address as 12 lower-case hex digits (separators ``:``/``-``/``.`` dropped)."""
    mac = "".join(c for c in value.lower() if c not in ":-.")
    if len(mac) != 12 or any(c not in "0123456789abcdef" for c in mac):
        return None, [FieldError("mac", "invalid_mac", "A MAC address has 12 hexadecimal digits.")]
    return mac, []


@dataclass(frozen=True)
class ChainDevice:
    id: int
    kind: str
    target: str | None
    ring_after_s: int
    position: int
    enabled: bool
    sip_username: str | None = None


def ring_chain(devices: Iterable[ChainDevice]) -> list[ChainDevice]:
    """Devices in the order they start ringing: by delay, then position, then age."""
    return sorted(devices, key=lambda d: (d.ring_after_s, d.position, d.id))


def ring_plan(devices: Iterable[ChainDevice], *, extension: str | None, sip_domain: str,
              active: bool) -> list[dict[str, Any]]:
    """DAK-20: the steps a PBX follows, each a delay and the devices that start ringing then.
    Disabled devices, and line devices of a user without a line, are left out."""
    if not active:
        return []
    steps: dict[int, list[dict[str, Any]]] = {}
    for d in ring_chain(devices):
        if not d.enabled:
            continue
        if d.kind in LINE_KINDS:
            if not extension:
                continue
            uri = f"sip:{d.sip_username or extension}@{sip_domain}"
        else:
            uri = f"tel:{d.target}"
        steps.setdefault(d.ring_after_s, []).append(
            {"device_id": d.id, "kind": d.kind, "uri": uri})
    return [{"after_s": after, "devices": devs} for after, devs in steps.items()]


def check_ice_servers(servers: Sequence[dict[str, Any]]) -> list[FieldError]:
    """WEB-22: STUN/TURN URLs by scheme; a TURN server needs a username and a credential."""
    errors: list[FieldError] = []
    if len(servers) > MAX_ICE_SERVERS:
        errors.append(FieldError("servers", "too_many", f"At most {MAX_ICE_SERVERS} servers."))
    for i, server in enumerate(servers):
        urls = server.get("urls") or []
        if not urls:
            errors.append(FieldError(f"servers.{i}.urls", "required", "Give at least one URL."))
        for url in urls:
            if not url.startswith(ICE_SCHEMES):
                errors.append(FieldError(f"servers.{i}.urls", "invalid_ice_url",
                                         "An ICE URL starts with stun:, stuns:, turn: or turns:."))
            elif url.startswith(("turn:", "turns:")) and not (
                    server.get("username") and server.get("credential")):
                errors.append(FieldError(f"servers.{i}", "turn_credentials_required",
                                         "A TURN server needs a username and a credential."))
    return errors


# --- desk-phone provisioning (Yealink, Polycom) -------------------------------------------

VENDORS = ("yealink", "polycom")


@dataclass(frozen=True)
class PhoneAccount:
    """What a desk phone needs to register: its account, the label it shows (the DID, else the
    extension), the tenant's registrar, and where to send SIP (the outbound proxy)."""

    username: str
    password: str
    display_name: str
    label: str
    domain: str
    proxy_host: str
    proxy_port: int
    transport: str  # udp | tcp | tls


def _xml_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _cfg_value(value: str) -> str:
    return value.replace("\n", " ").replace("\r", " ")


def provisioning_file(vendor: str, a: PhoneAccount) -> tuple[str, str]:
    """The configuration file a phone fetches as ``<mac>.cfg``, and its media type."""
    if vendor == "yealink":
        transport = {"udp": 0, "tcp": 1, "tls": 2}[a.transport]
        lines = [
            "#!version:1.0.0.1",
            "account.1.enable = 1",
            f"account.1.label = {_cfg_value(a.label)}",
            f"account.1.display_name = {_cfg_value(a.display_name)}",
            f"account.1.auth_name = {a.username}",
            f"account.1.user_name = {a.username}",
            f"account.1.password = {a.password}",
            f"account.1.sip_server.1.address = {a.domain}",
            f"account.1.sip_server.1.port = {a.proxy_port}",
            f"account.1.sip_server.1.transport_type = {transport}",
            "account.1.outbound_proxy_enable = 1",
            f"account.1.outbound_proxy.1.address = {a.proxy_host}",
            f"account.1.outbound_proxy.1.port = {a.proxy_port}",
            "account.1.dtmf.type = 1",  # RFC 2833
        ]
        return "\n".join(lines) + "\n", "text/plain"
    if vendor == "polycom":
        transport = {"udp": "UDPOnly", "tcp": "TCPOnly", "tls": "TLS"}[a.transport]
        attrs = {
            "reg.1.address": f"{a.username}@{a.domain}", "reg.1.auth.userId": a.username,
            "reg.1.auth.password": a.password, "reg.1.label": a.label,
            "reg.1.displayName": a.display_name, "reg.1.server.1.address": a.domain,
            "reg.1.server.1.port": str(a.proxy_port), "reg.1.server.1.transport": transport,
            "reg.1.outboundProxy.address": a.proxy_host,
            "reg.1.outboundProxy.port": str(a.proxy_port),
        }
        body = " ".join(f'{k}="{_xml_attr(v)}"' for k, v in attrs.items())
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f"<polycomConfig>\n  <reg {body}/>\n</polycomConfig>\n", "application/xml")
    raise ValueError(vendor)
