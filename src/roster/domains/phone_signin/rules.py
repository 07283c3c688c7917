"""Pure rules of the call-back sign-in (SIPL-20): the address typed, the one-time code, its
attempts and expiry, and throttling."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from roster.core.errors import FieldError
from roster.core.i18n import LANGUAGES

CODE_DIGITS = 6
_ADDRESS = re.compile(r"^(?:sips?:)?([A-Za-z0-9_.+-]{1,32})@([A-Za-z0-9.-]{1,253})$")

PENDING, CALLING, VERIFIED, CLAIMED, FAILED, EXPIRED = (
    "pending", "calling", "verified", "claimed", "failed", "expired")


def parse_address(value: str) -> tuple[tuple[str, str] | None, list[FieldError]]:
    """``100@acme.pbx.example`` (a ``sip:`` prefix is accepted): user part and domain."""
    m = _ADDRESS.match(value.strip())
    if not m:
        return None, [FieldError("sip_address", "invalid_sip_address",
                                 "A SIP address looks like 100@acme.pbx.example.")]
    return (m.group(1), m.group(2).lower()), []


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def voice_language(language: str | None) -> str:
    """The robot speaks the person's panel language; English when it has no voice for it."""
    return language if language in LANGUAGES else "en"


@dataclass(frozen=True)
class Attempt:
    status: str
    attempts: int
    expires_at: datetime


def status_now(a: Attempt, now: datetime) -> str:
    """The status as the client sees it: an attempt still open after its expiry has expired."""
    if a.status in (PENDING, CALLING) and a.expires_at <= now:
        return EXPIRED
    return a.status


def after_wrong_code(attempts: int, allowed: int) -> tuple[int, str]:
    """One more wrong code: the new count, and FAILED once the allowance is used up."""
    attempts += 1
    return attempts, FAILED if attempts >= allowed else CALLING


def throttled(recent: int, limit: int) -> bool:
    """Whether one more call-back would exceed ``limit`` within the window."""
    return recent >= limit
