"""Rules of the user form, as pure functions returning field errors (requirements §2-5)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from roster.core.errors import FieldError

ROLES = ("administrator", "supervisor", "agent", "pbx_user", "uc_user")
# FCC-13: minimum panel-password length per account kind; several roles take the strictest.
PASSWORD_MIN_LENGTH = {"administrator": 12, "supervisor": 10, "agent": 8, "pbx_user": 8,
                       "uc_user": 8}
PASSWORD_MAX_LENGTH = 128
SIP_PASSWORD_MIN_LENGTH = 10
PIN_MIN_LENGTH = 5
EXTENSION_MIN_LENGTH = 3
_SPECIAL = re.compile(r"[^A-Za-z0-9\s]")
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{1,119}$")
_PREFIX = re.compile(r"^\+[0-9]{1,15}\*$")
LIST_MAX = 500


# --- FCC-5: agent PIN -------------------------------------------------------------------------

def check_pin(pin: str, field: str = "agent_pin") -> list[FieldError]:
    if not pin.isascii() or not pin.isdigit():
        return [FieldError(field, "pin_not_digits", "The agent PIN may contain digits only.")]
    if len(pin) < PIN_MIN_LENGTH:
        return [FieldError(field, "pin_too_short",
                           f"The agent PIN needs at least {PIN_MIN_LENGTH} digits.")]
    if len(pin) > 12:
        return [FieldError(field, "pin_too_long", "The agent PIN has at most 12 digits.")]
    if len(set(pin)) == 1:
        return [FieldError(field, "pin_repeated", "The agent PIN cannot be one repeated digit.")]
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {-1}):
        return [FieldError(field, "pin_sequential",
                           "The agent PIN cannot be a run of consecutive digits (12345, 54321).")]
    return []


# --- FCC-13: panel password -------------------------------------------------------------------

def password_min_length(roles: Iterable[str]) -> int:
    return max((PASSWORD_MIN_LENGTH.get(r, 8) for r in roles), default=8)


def password_policy_len(password: str) -> int:
    """The strictest policy length this password meets (stored instead of the length itself)."""
    met = [n for n in sorted(set(PASSWORD_MIN_LENGTH.values())) if len(password) >= n]
    return met[-1] if met else 0


def check_password(password: str, roles: Iterable[str], field: str = "password"
                   ) -> list[FieldError]:
    errors = []
    minimum = password_min_length(roles)
    if len(password) < minimum:
        errors.append(FieldError(field, "password_too_short",
                                 f"The password needs at least {minimum} characters for the "
                                 "user's strictest role."))
    if len(password) > PASSWORD_MAX_LENGTH:
        errors.append(FieldError(field, "password_too_long",
                                 f"The password has at most {PASSWORD_MAX_LENGTH} characters."))
    if not any(c.isupper() for c in password):
        errors.append(FieldError(field, "password_no_upper",
                                 "The password needs an upper-case letter."))
    if not any(c.isdigit() for c in password):
        errors.append(FieldError(field, "password_no_digit", "The password needs a digit."))
    if not _SPECIAL.search(password):
        errors.append(FieldError(field, "password_no_special",
                                 "The password needs a special character."))
    return errors


def role_change_needs_new_password(policy_len: int | None, new_roles: Iterable[str]) -> bool:
    """A role change raising the minimum above what the current password met (FCC-13)."""
    return policy_len is not None and policy_len < password_min_length(new_roles)


# --- FCC-43: SIP password ---------------------------------------------------------------------

def check_sip_password(password: str, field: str = "sip_password") -> list[FieldError]:
    errors = []
    if len(password) < SIP_PASSWORD_MIN_LENGTH:
        errors.append(FieldError(field, "sip_password_too_short",
                                 f"The SIP password needs at least {SIP_PASSWORD_MIN_LENGTH} "
                                 "characters."))
    if len(password) > 64:
        errors.append(FieldError(field, "sip_password_too_long",
                                 "The SIP password has at most 64 characters."))
    if not password.isascii() or not password.isprintable() or " " in password:
        errors.append(FieldError(field, "sip_password_invalid_chars",
                                 "Use printable ASCII characters without spaces."))
    if not any(c.islower() for c in password):
        errors.append(FieldError(field, "sip_password_no_lower",
                                 "The SIP password needs a lower-case letter."))
    if not any(c.isupper() for c in password):
        errors.append(FieldError(field, "sip_password_no_upper",
                                 "The SIP password needs an upper-case letter."))
    if not any(c.isdigit() for c in password):
        errors.append(FieldError(field, "sip_password_no_digit",
                                 "The SIP password needs a digit."))
    if not _SPECIAL.search(password):
        errors.append(FieldError(field, "sip_password_no_special",
                                 "The SIP password needs a special character."))
    return errors


# --- FCC-20/25: account kinds -----------------------------------------------------------------

def check_roles(roles: Iterable[str]) -> list[FieldError]:
    roles = set(roles)
    if not roles:
        return [FieldError("roles", "roles_empty", "A user needs at least one role.")]
    unknown = roles - set(ROLES)
    if unknown:
        return [FieldError("roles", "invalid_choice", f"Unknown role: {sorted(unknown)[0]}.")]
    if "uc_user" in roles and "pbx_user" not in roles:
        return [FieldError("roles", "uc_requires_pbx",
                           "The UC user role extends the PBX user role: add pbx_user too.")]
    return []


def canonical_roles(roles: Iterable[str]) -> str:
    return ",".join(r for r in ROLES if r in set(roles))


# --- FCC-2, FCC-42: login and extension -------------------------------------------------------

def check_login(login: str) -> list[FieldError]:
    if not _LOGIN.match(login):
        return [FieldError("login", "invalid_login",
                           "A login is 2-120 letters, digits and . _ @ + - characters.")]
    return []


def check_extension(extension: str) -> list[FieldError]:
    if not extension.isascii() or not extension.isdigit():
        return [FieldError("extension", "extension_not_digits",
                           "An extension contains digits only.")]
    if len(extension) < EXTENSION_MIN_LENGTH:
        return [FieldError("extension", "extension_too_short",
                           f"An extension has at least {EXTENSION_MIN_LENGTH} digits.")]
    if len(extension) > 10:
        return [FieldError("extension", "extension_too_long",
                           "An extension has at most 10 digits.")]
    return []


# --- phone numbers (FCC-3, FCC-40/41/46) ------------------------------------------------------

def normalize_number(value: str, region: str, field: str) -> tuple[str | None, list[FieldError]]:
    """E.164 of a number written in national or international form, or a field error."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return None, [FieldError(field, "invalid_number",
                                 f"Not a valid phone number for region {region}.")]
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), []


# --- FCC-48: black and white lists ------------------------------------------------------------

def parse_call_list(value: list[str] | str, region: str, field: str
                    ) -> tuple[list[str], list[FieldError]]:
    """Numbers (normalised to E.164) and international prefixes such as ``+48700*``."""
    raw = value.split(",") if isinstance(value, str) else list(value)
    entries: list[str] = []
    errors: list[FieldError] = []
    for item in (x.strip().replace(" ", "") for x in raw):
        if not item:
            continue
        if item.endswith("*"):
            if not _PREFIX.match(item):
                errors.append(FieldError(field, "invalid_prefix",
                                         f"'{item}' is not a prefix like +48700*."))
                continue
            entry = item
        else:
            entry, errs = normalize_number(item, region, field)
            if errs:
                errors.append(FieldError(field, "invalid_number",
                                         f"'{item}' is not a valid phone number."))
                continue
        if entry not in entries:
            entries.append(entry)
    if len(entries) > LIST_MAX:
        errors.append(FieldError(field, "list_too_long", f"At most {LIST_MAX} entries."))
    return entries, errors


def _match(number: str, entries: Iterable[str]) -> str | None:
    for entry in entries:
        if entry.endswith("*"):
            if number.startswith(entry[:-1]):
                return entry
        elif number == entry:
            return entry
    return None


def call_permission(number: str, blacklist: list[str], whitelist: list[str]
                    ) -> tuple[bool, str, str | None]:
    """(allowed, reason, matched entry). The white list wins over the black list (FCC-48)."""
    white = _match(number, whitelist)
    if white is not None:
        return True, "whitelisted", white
    black = _match(number, blacklist)
    if black is not None:
        return False, "blacklisted", black
    return True, "not_listed", None


# --- FCC-5 with FCC-4, FCC-30 -----------------------------------------------------------------

def check_daily_login(requires_daily_login: bool, has_pin: bool) -> list[FieldError]:
    if requires_daily_login and not has_pin:
        return [FieldError("agent_pin", "pin_required",
                           "An agent PIN is required when the user must log in daily.")]
    return []


def check_call_interactions(call: int | None) -> list[FieldError]:
    if call is not None and call != 1:
        return [FieldError("interactions.call", "call_fixed",
                           "Calls are fixed at one at a time.")]
    return []
