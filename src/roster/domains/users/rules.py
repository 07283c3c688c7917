"""Rules of the user form, as pure functions returning field errors (requirements §2-5)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from roster.core.errors import FieldError, null_errors

# Account kinds (FCC-20), in the order they are shown and resolved.
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
    # Counted round the dial: 67890, 90123 and 32109 are runs as much as 12345 and 54321.
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {9}):
        return [FieldError(field, "pin_sequential",
                           "The agent PIN cannot be a run of consecutive digits (12345, 54321, "
                           "67890).")]
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


def canonical_roles(roles: Iterable[str]) -> tuple[str, ...]:
    held = set(roles)
    return tuple(r for r in ROLES if r in held)


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

# --- FCC-10: MS Teams -------------------------------------------------------------------------

# A user principal name or an e-mail address: local part @ a DNS name with at least one dot.
_TEAMS_IDENTITY = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def check_ms_teams(ms_teams: bool, identity: str | None) -> list[FieldError]:
    """FCC-10: the Teams identity has the form of a UPN or an e-mail address, and a Teams user
    needs one."""
    if identity is not None and not _TEAMS_IDENTITY.match(identity):
        return [FieldError("ms_teams_identity", "invalid_teams_identity",
                           "The MS Teams identity is a user principal name or an e-mail address "
                           "(name@contoso.onmicrosoft.com).")]
    if ms_teams and not identity:
        return [FieldError("ms_teams_identity", "teams_identity_required",
                           "An MS Teams user needs its Teams identity.")]
    return []


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


# --- uniqueness within the tenant (FCC-2, FCC-5, FCC-13, FCC-14, FCC-42) ------------------------

# (field, code, message) of a unique value another user (or a station) holds already.
TAKEN = {
    "login": ("login", "login_taken", "This login is already used."),
    "email": ("email", "email_taken", "This e-mail is already used by another user."),
    "extension": ("extension", "extension_taken", "This extension is already used in the tenant."),
    "pin": ("agent_pin", "pin_taken", "This agent PIN is already used in the tenant."),
}
# FCC-13: no two users share a password, and the refusal must not tell that another user has
# it: one code (422, as any refused password), a message that asks for another password
# without saying why, and a budget of refusals per actor (users.service).
PASSWORD_REFUSED = ("password", "password_not_accepted",
                    "This password cannot be used; choose another one.")


# --- the user form as a whole: what one row changes ---------------------------------------------

# Fields copied as they are once the schema has checked their type.
PLAIN = ("full_name", "requires_daily_login", "active", "visible", "panel_access", "mobile_app",
         "ms_teams", "keep_station_on_logout", "language", "password_must_change",
         "email_notifications", "ticket_update_notifications", "recording", "did_as_station",
         "data_transmission", "communication_means")
# Free-text fields copied as sent; null clears them.
CLEARABLE = ("ms_teams_identity", "description")
# Fields a partial update may leave out but not clear.
NOT_NULL = ("full_name", "login", "roles", "requires_daily_login", "active", "visible",
            "panel_access", "mobile_app", "ms_teams", "keep_station_on_logout", "language",
            "password_must_change", "email_notifications", "ticket_update_notifications",
            "recording", "did_as_station", "data_transmission", "interactions",
            "communication_means", "blacklist", "whitelist")


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # "leave as it is" where None means "clear"


@dataclass
class UserPlan:
    """What one row of the user form changes, once its rules passed: the columns to write (the
    secrets still in clear text, for the service to hash), the roles, and what must still be
    checked against the database (uniqueness, the number pool)."""

    columns: dict[str, Any] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    roles_changed: bool = False
    pin: str | None = None            # a new agent PIN, to fingerprint
    password: str | None = None       # a new panel password, to hash and fingerprint
    sip_password: str | None = None   # a new SIP password, to digest with the extension
    did: Any = KEEP                   # KEEP, None (give it back to the pool) or the DID wanted
    presentation: str | None = None   # must be one of the tenant's numbers
    errors: list[FieldError] = field(default_factory=list)


def _number(values: dict[str, Any], key: str, region: str, errors: list[FieldError]
            ) -> str | None:
    raw = values.get(key)
    if raw is None or raw == "":
        return None
    e164, errs = normalize_number(raw, region, key)
    errors.extend(errs)
    return e164


def plan_user(values: dict[str, Any], current: dict[str, Any] | None, *,
              roles_before: Iterable[str] = (), region: str, default_language: str) -> UserPlan:
    """Every rule of the user form for the fields sent (``values``) to a new user (``current``
    None) or to a user whose columns are ``current``: errors, or the plan of what to write."""
    plan = UserPlan()
    errors = plan.errors
    new = current is None
    cur = current or {}
    errors += null_errors(values, NOT_NULL)

    # login: defaults to the e-mail, so a name and an e-mail are enough (OKI-40)
    email = values.get("email")
    if email is not None:
        email = email.lower()
    login = values.get("login")
    if new and not login:
        login = email
        if not login:
            errors.append(FieldError("login", "required", "Give a login or an e-mail address."))
    if login:
        errors += check_login(login)

    roles = values.get("roles")
    if roles is not None:
        errors += check_roles(roles)
    effective = list(roles) if roles is not None else (list(roles_before) or ["agent"])

    # FCC-13 panel password, judged against the strictest role the user will hold
    password = values.get("password")
    if password is not None:
        errors += check_password(password, effective)

    # FCC-5 agent PIN and FCC-4 daily login
    pin = values.get("agent_pin")
    if pin is not None:
        errors += check_pin(pin)
    has_pin = pin is not None if "agent_pin" in values else cur.get("pin_digest") is not None
    daily = values.get("requires_daily_login", cur.get("requires_daily_login", False))
    errors += check_daily_login(bool(daily), has_pin)

    # FCC-42/43 extension and SIP password
    extension = values.get("extension") if "extension" in values else cur.get("extension")
    if "extension" in values and extension is not None:
        errors += check_extension(extension)
    sip_password = values.get("sip_password")
    if sip_password is not None:
        errors += check_sip_password(sip_password)
        if extension is None:
            errors.append(FieldError("sip_password", "extension_required",
                                     "A SIP password needs an extension (WEB-20)."))
    if (not new and "extension" in values and extension is not None
            and extension != cur.get("extension") and cur.get("sip_ha1") and sip_password is None):
        # The digest covers the user name: it cannot follow the extension without the password.
        errors.append(FieldError("sip_password", "sip_password_required",
                                 "Changing the extension needs a new SIP password."))

    # FCC-10 (checked whenever either field is sent, so older rows stay valid until touched)
    if new or "ms_teams" in values or "ms_teams_identity" in values:
        teams = values.get("ms_teams")
        teams = cur.get("ms_teams", False) if teams is None else teams
        identity = (values["ms_teams_identity"] if "ms_teams_identity" in values
                    else cur.get("ms_teams_identity"))
        errors += check_ms_teams(bool(teams), identity)

    # FCC-30/31
    inter = values.get("interactions")
    if inter is not None:
        errors += check_call_interactions(inter.get("call"))

    # numbers (FCC-3, FCC-41, FCC-46, FCC-40)
    mobile = _number(values, "mobile", region, errors)
    external = _number(values, "external_number", region, errors)
    presentation = _number(values, "presentation_number", region, errors)
    did = _number(values, "did", region, errors)
    contact = values.get("contact")
    contact_phone = None
    if contact and contact.get("phone"):
        contact_phone, errs = normalize_number(contact["phone"], region, "contact.phone")
        errors += errs

    # FCC-48
    lists: dict[str, list[str]] = {}
    for key in ("blacklist", "whitelist"):
        if values.get(key) is not None:
            lists[key], errs = parse_call_list(values[key], region, key)
            errors += errs
    if errors:
        return plan

    # --- what to write ---
    cols = plan.columns
    for key in PLAIN:
        if key in values and values[key] is not None:
            cols[key] = values[key]
    for key in CLEARABLE:
        if key in values:
            cols[key] = values[key]
    if login:
        cols["login"] = login
    if "email" in values:
        cols["email"] = email
    if "mobile" in values:
        cols["mobile"] = mobile
    if "external_number" in values:
        cols["external_number"] = external
    if "presentation_number" in values:
        cols["presentation_number"] = presentation
        plan.presentation = presentation
    if new and "language" not in values:
        cols["language"] = default_language
    plan.roles = canonical_roles(effective)
    plan.roles_changed = new or (roles is not None and plan.roles != canonical_roles(roles_before))
    if (roles is not None and password is None and not new
            and role_change_needs_new_password(cur.get("password_policy_len"), effective)):
        cols["password_must_change"] = True
    if "agent_pin" in values:
        plan.pin = pin
        cols["pin_digest"] = None
    if password is not None:
        plan.password = password
        cols["password_policy_len"] = password_policy_len(password)
        if "password_must_change" not in values:
            cols["password_must_change"] = False
    if "extension" in values:
        cols["extension"] = extension
        if extension is None:
            cols["sip_ha1"] = cols["sip_ha1b"] = None
    if sip_password is not None and extension is not None:
        plan.sip_password = sip_password
    if inter is not None:
        for channel in ("email", "sms", "chat"):
            if inter.get(channel) is not None:
                cols[f"max_{channel}"] = inter[channel]
        if inter.get("call_blocks_other") is not None:
            cols["call_blocks_other"] = inter["call_blocks_other"]
    cols.update(lists)
    loc = values.get("emergency_location")
    if loc is not None:
        for part in ("region", "county", "commune"):
            if part in loc:
                cols[f"emergency_{part}"] = loc[part] or None
    if contact is not None:
        if "address" in contact:
            cols["contact_address"] = contact["address"] or None
        if "phone" in contact:
            cols["contact_phone"] = contact_phone
    if "did" in values:
        plan.did = did
    return plan
