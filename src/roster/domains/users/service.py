"""User services: one validation path for the API, the command line and every other edge."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import events, secrets
from roster.core.errors import FieldError, FieldErrors, Problem, conflict, invalid, not_found
from roster.core.pagination import PageParams
from roster.core.permissions import Actor
from roster.domains.numbers import repository as numbers
from roster.domains.tenants.models import Tenant
from roster.domains.users import media, rules
from roster.domains.users import repository as repo
from roster.domains.users.models import User
from roster.domains.users.schemas import (
    Contact,
    EmergencyLocation,
    GroupRef,
    InteractionsOut,
    SkillLevel,
    UserCreate,
    UserOut,
    UserWrite,
)

# Fields copied as they are once the schema has checked their type.
_PLAIN = ("full_name", "requires_daily_login", "active", "visible", "panel_access", "mobile_app",
          "ms_teams", "keep_station_on_logout", "language",
          "password_must_change", "email_notifications",
          "ticket_update_notifications", "recording", "did_as_station", "data_transmission",
          "communication_means")
# Free-text fields copied as sent; null clears them.
_CLEARABLE = ("ms_teams_identity", "description")
_NOT_NULL = {"full_name", "login", "roles", "requires_daily_login", "active", "visible",
             "panel_access", "mobile_app", "ms_teams", "keep_station_on_logout", "language",
             "password_must_change", "email_notifications", "ticket_update_notifications",
             "recording", "did_as_station", "data_transmission", "interactions",
             "communication_means", "blacklist", "whitelist"}
# What other domains (SIP registrar, sessions) react to when it changes.
_WATCHED = ("active", "extension", "sip_ha1", "roles", "panel_access", "password_hash")


def _snapshot(user: User) -> dict[str, Any]:
    return {k: getattr(user, k) for k in _WATCHED}


def _normalise(values: dict, key: str, region: str, errors: FieldErrors) -> str | None:
    raw = values.get(key)
    if raw is None or raw == "":
        return None
    e164, errs = rules.normalize_number(raw, region, key)
    errors.extend(errs)
    return e164


async def _apply(db: AsyncSession, *, tenant: Tenant, user: User, values: dict[str, Any],
                 is_new: bool) -> None:
    """Check every rule for the fields sent, then write them onto ``user`` (not yet flushed)."""
    errors = FieldErrors()
    region = tenant.phone_region
    for key in _NOT_NULL:
        if key in values and values[key] is None:
            errors.add(key, "required", "This field cannot be null.")

    # login: defaults to the e-mail, so a name and an e-mail are enough (OKI-40)
    email = values.get("email")
    if email is not None:
        email = email.lower()
    login = values.get("login")
    if is_new and not login:
        login = email
        if not login:
            errors.add("login", "required", "Give a login or an e-mail address.")
    if login:
        errors.extend(rules.check_login(login))

    roles = values.get("roles") if "roles" in values else None
    if roles is not None:
        errors.extend(rules.check_roles(roles))
    effective_roles = roles if roles is not None else (user.role_list or ["agent"])

    # FCC-13 panel password, judged against the strictest role the user will hold
    password = values.get("password")
    if password is not None:
        errors.extend(rules.check_password(password, effective_roles))

    # FCC-5 agent PIN and FCC-4 daily login
    pin = values.get("agent_pin")
    if pin is not None:
        errors.extend(rules.check_pin(pin))
    has_pin = pin is not None if "agent_pin" in values else user.pin_digest is not None
    daily = values.get("requires_daily_login", user.requires_daily_login)
    errors.extend(rules.check_daily_login(bool(daily), has_pin))

    # FCC-42/43 extension and SIP password
    extension = values.get("extension") if "extension" in values else user.extension
    if "extension" in values and extension is not None:
        errors.extend(rules.check_extension(extension))
    sip_password = values.get("sip_password")
    if sip_password is not None:
        errors.extend(rules.check_sip_password(sip_password))
        if extension is None:
            errors.add("sip_password", "extension_required",
                       "A SIP password needs an extension (WEB-20).")
    if (not is_new and "extension" in values and extension is not None
            and extension != user.extension and user.sip_ha1 and sip_password is None):
        # The digest covers the user name: it cannot follow the extension without the password.
        errors.add("sip_password", "sip_password_required",
                   "Changing the extension needs a new SIP password.")

    # FCC-30/31
    inter = values.get("interactions")
    if inter is not None:
        errors.extend(rules.check_call_interactions(inter.get("call")))

    # numbers (FCC-3, FCC-41, FCC-46, FCC-40)
    mobile = _normalise(values, "mobile", region, errors)
    external = _normalise(values, "external_number", region, errors)
    presentation = _normalise(values, "presentation_number", region, errors)
    did = _normalise(values, "did", region, errors)
    contact = values.get("contact")
    contact_phone = None
    if contact and contact.get("phone"):
        contact_phone, errs = rules.normalize_number(contact["phone"], region, "contact.phone")
        errors.extend(errs)

    # FCC-48
    lists: dict[str, list[str]] = {}
    for key in ("blacklist", "whitelist"):
        if values.get(key) is not None:
            lists[key], errs = rules.parse_call_list(values[key], region, key)
            errors.extend(errs)
    errors.raise_if_any()

    # Rules that need the database come after the shape of every field is right.
    if presentation is not None and await numbers.by_number(db, tenant.id, presentation) is None:
        errors.add("presentation_number", "presentation_not_owned",
                   "The presentation number must be one of the tenant's numbers.")
    did_row = None
    current_did = None if is_new else await numbers.did_of(db, user.id)
    if did is not None and (current_did is None or current_did.number != did):
        did_row = await numbers.for_update(db, tenant.id, did)
        if did_row is None:
            errors.add("did", "number_not_in_pool",
                       "The DID must be one of the tenant's numbers (FCC-40).")
    errors.raise_if_any()
    if did_row is not None and did_row.assigned_user_id is not None:
        raise conflict("did", "number_not_free", "This number is already assigned.")

    pin_digest = secrets.fingerprint("pin", f"{tenant.id}:{pin}") if pin is not None else None
    password_digest = (secrets.fingerprint("password", f"{tenant.id}:{password}")
                       if password is not None else None)
    taken = await repo.taken_columns(db, tenant.id, None if is_new else user.id, {
        "login": login if login and login != user.login else None,
        "email": email if email and email != user.email else None,
        "extension": extension if extension and extension != user.extension else None,
        "pin_digest": pin_digest,
        "password_digest": password_digest,
    })
    if "login" in taken:
        raise conflict("login", "login_taken", "This login is already used.")
    if "email" in taken:
        raise conflict("email", "email_taken", "This e-mail is already used by another user.")
    if "extension" in taken:
        raise conflict("extension", "extension_taken",
                       "This extension is already used in the tenant.")
    if "pin_digest" in taken:
        raise conflict("agent_pin", "pin_taken", "This agent PIN is already used in the tenant.")
    if "password_digest" in taken:
        # Generic on purpose: saying "another user has this password" would disclose it.
        raise Problem(422, "Invalid input", "One or more fields are invalid.",
                      [FieldError("password", "password_not_unique",
                                        "Choose a different password.")],
                      code="password_not_unique")

    # --- write ---
    for key in _PLAIN:
        if key in values and values[key] is not None:
            setattr(user, key, values[key])
    for key in _CLEARABLE:
        if key in values:
            setattr(user, key, values[key])
    if login:
        user.login = login
    if "email" in values:
        user.email = email
    if "mobile" in values:
        user.mobile = mobile
    if "external_number" in values:
        user.external_number = external
    if "presentation_number" in values:
        user.presentation_number = presentation
    if is_new and "language" not in values:
        user.language = tenant.default_language
    if roles is not None or is_new:
        new_roles = rules.canonical_roles(effective_roles)
        if (password is None and not is_new
                and rules.role_change_needs_new_password(user.password_policy_len,
                                                         effective_roles)):
            user.password_must_change = True
        user.roles = new_roles
    if "agent_pin" in values:
        user.pin_digest = pin_digest
    if password is not None:
        user.password_hash = await secrets.hash_password(password)
        user.password_digest = password_digest
        user.password_policy_len = rules.password_policy_len(password)
        if "password_must_change" not in values:
            user.password_must_change = False
    if "extension" in values:
        user.extension = extension
        if extension is None:
            user.sip_ha1 = user.sip_ha1b = None
    if sip_password is not None and extension is not None:
        domain = tenant.sip_domain
        user.sip_ha1 = secrets.sip_ha1(extension, domain, sip_password)
        user.sip_ha1b = secrets.sip_ha1b(extension, domain, domain, sip_password)
    if inter is not None:
        for channel in ("email", "sms", "chat"):
            if inter.get(channel) is not None:
                setattr(user, f"max_{channel}", inter[channel])
        if inter.get("call_blocks_other") is not None:
            user.call_blocks_other = inter["call_blocks_other"]
    for key, entries in lists.items():
        setattr(user, key, entries)
    loc = values.get("emergency_location")
    if loc is not None:
        for part in ("region", "county", "commune"):
            if part in loc:
                setattr(user, f"emergency_{part}", loc[part] or None)
    if contact is not None:
        if "address" in contact:
            user.contact_address = contact["address"] or None
        if "phone" in contact:
            user.contact_phone = contact_phone

    if is_new:
        db.add(user)
    await db.flush()
    if "did" in values:
        if current_did is not None and (did is None or current_did.number != did):
            current_did.assigned_user_id = None
            await db.flush()
        if did_row is not None:
            did_row.assigned_user_id = user.id
            await db.flush()


async def create_user(db: AsyncSession, *, tenant: Tenant, data: UserCreate,
                      actor: Actor | None = None) -> User:
    """Create a user with every rule of the user form checked."""
    values = data.model_dump(exclude_unset=True)
    user = User(tenant_id=tenant.id, roles="", login="")
    if actor is not None:  # access control refuses escalation (no actor: CLI, system)
        await events.emit(db, "user.authorizing", actor=actor, user=user, values=values,
                          action="create")
    await _apply(db, tenant=tenant, user=user, values=values, is_new=True)
    await events.emit(db, "user.created", tenant=tenant, user=user)
    return user


async def update_user(db: AsyncSession, *, tenant: Tenant, user: User, data: UserWrite,
                      actor: Actor | None = None) -> User:
    """Change the fields sent; the same rules as on creation."""
    values = data.model_dump(exclude_unset=True)
    if actor is not None:
        await events.emit(db, "user.authorizing", actor=actor, user=user, values=values,
                          action="update")
    before = _snapshot(user)
    await _apply(db, tenant=tenant, user=user, values=values, is_new=False)
    await events.emit(db, "user.updated", tenant=tenant, user=user, before=before)
    return user


async def delete_user(db: AsyncSession, *, tenant: Tenant, user: User,
                      actor: Actor | None = None) -> None:
    """Delete a user; its DID goes back to the pool, its files and registrations are removed."""
    if actor is not None:
        await events.emit(db, "user.authorizing", actor=actor, user=user, values={},
                          action="delete")
    before = _snapshot(user)
    await events.emit(db, "user.deleting", tenant=tenant, user=user, before=before)
    await db.delete(user)
    await db.flush()
    await events.emit(db, "user.deleted", tenant=tenant, user=user, before=before)


async def get_user(db: AsyncSession, *, actor: Actor, user_id: int) -> User:
    user = await repo.get(db, actor, user_id)
    if user is None:
        raise not_found("user")
    return user


async def list_users(db: AsyncSession, *, actor: Actor, filters: repo.UserFilters,
                     page: PageParams) -> list[User]:
    return await repo.list_page(db, actor, filters, page)


async def did_of(db: AsyncSession, user: User) -> str | None:
    row = await numbers.did_of(db, user.id)
    return row.number if row else None


async def render(db: AsyncSession, *, tenant: Tenant, users: list[User],
                 did: str | None = None, fresh: bool = False) -> list[UserOut]:
    """Users as the API shows them, with their DID, skills and groups (a user created in this
    transaction has no skills or groups yet: ``fresh`` skips those look-ups)."""
    if fresh:
        rel = repo.Related({u.id: did for u in users if did}, {}, {})
    else:
        rel = await repo.related(db, [u.id for u in users])
    return [
        UserOut(
            id=u.id, full_name=u.full_name, login=u.login, email=u.email, mobile=u.mobile,
            requires_daily_login=u.requires_daily_login, has_pin=u.pin_digest is not None,
            active=u.active, visible=u.visible, panel_access=u.panel_access,
            mobile_app=u.mobile_app, ms_teams=u.ms_teams, ms_teams_identity=u.ms_teams_identity,
            keep_station_on_logout=u.keep_station_on_logout, language=u.language,
            has_password=u.password_hash is not None,
            password_must_change=u.password_must_change, description=u.description,
            email_notifications=u.email_notifications,
            ticket_update_notifications=u.ticket_update_notifications,
            has_greeting=u.greeting_type is not None, has_avatar=u.avatar_type is not None,
            roles=u.role_list,
            interactions=InteractionsOut(email=u.max_email, sms=u.max_sms, chat=u.max_chat,
                                         call_blocks_other=u.call_blocks_other),
            did=rel.dids.get(u.id), external_number=u.external_number, extension=u.extension,
            sip_username=f"{u.extension}@{tenant.sip_domain}" if u.extension else None,
            has_sip_password=u.sip_ha1 is not None, recording=u.recording,
            did_as_station=u.did_as_station, presentation_number=u.presentation_number,
            data_transmission=u.data_transmission, blacklist=list(u.blacklist or []),
            whitelist=list(u.whitelist or []),
            emergency_location=EmergencyLocation(region=u.emergency_region,
                                                 county=u.emergency_county,
                                                 commune=u.emergency_commune),
            contact=Contact(address=u.contact_address, phone=u.contact_phone),
            communication_means=list(u.communication_means or []),
            skills=[SkillLevel(skill=n, level=lv) for n, lv in rel.skills.get(u.id, [])],
            groups=[GroupRef(id=g, name=n, color=c) for g, n, c in rel.groups.get(u.id, [])],
            granted_roles=rel.granted_roles.get(u.id, []),
            created_at=u.created_at, updated_at=u.updated_at,
        )
        for u in users
    ]


def call_permission(user: User, *, number: str, region: str) -> tuple[str, bool, str, str | None]:
    """FCC-48 for one dialled number."""
    e164, errs = rules.normalize_number(number, region, "number")
    if errs:
        raise invalid(*errs)
    allowed, reason, matched = rules.call_permission(e164, user.blacklist or [],
                                                     user.whitelist or [])
    return e164, allowed, reason, matched


# --- uploads (FCC-15, FCC-16) -----------------------------------------------------------------

_MEDIA = {"avatar": "avatar_type", "greeting": "greeting_type"}


async def set_media(db: AsyncSession, *, user: User, kind: str, data: bytes) -> None:
    """Check an upload by its content; the file is written only once the change commits."""
    settings = get_settings()
    if kind == "avatar":
        clean, errs = media.clean_avatar(data, max_bytes=settings.avatar_max_bytes,
                                         max_side=settings.avatar_max_side)
        content_type = "image/png"
    else:
        content_type, errs = media.check_greeting(data, max_bytes=settings.greeting_max_bytes)
        clean = data
    if errs:
        raise invalid(*errs)
    setattr(user, _MEDIA[kind], content_type)
    await db.flush()
    path = media.media_path(settings.data_dir, user.tenant_id, user.id, kind)

    async def _write() -> None:
        await anyio.to_thread.run_sync(media.write_atomically, path, clean)

    events.after_commit(db, _write)


async def clear_media(db: AsyncSession, *, user: User, kind: str) -> None:
    if getattr(user, _MEDIA[kind]) is None:
        raise not_found(kind)
    setattr(user, _MEDIA[kind], None)
    await db.flush()
    path = media.media_path(get_settings().data_dir, user.tenant_id, user.id, kind)

    async def _remove() -> None:
        path.unlink(missing_ok=True)

    events.after_commit(db, _remove)


def media_file(user: User, kind: str) -> tuple[Path, str]:
    content_type = getattr(user, _MEDIA[kind])
    path = media.media_path(get_settings().data_dir, user.tenant_id, user.id, kind)
    if content_type is None or not path.exists():
        raise not_found(kind)
    return path, content_type


async def _remove_media_dir(db: AsyncSession, *, tenant, user: User, before) -> None:
    folder = media.media_path(get_settings().data_dir, user.tenant_id, user.id, "x").parent

    async def _remove() -> None:
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(folder, ignore_errors=True))

    events.after_commit(db, _remove)


events.subscribe("user.deleted", _remove_media_dir)
