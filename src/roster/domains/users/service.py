"""User services: one write path for every edge (API, command line, panel, import, SCIM).

``create_users`` and ``update_users`` take many rows and run one sequence, the same for one row
or 100,000:

1. per row, the pure rules of the user form (``rules.plan_user``): shape, policy, normalisation;
2. the checks handed to the service where it is built (``roster.wiring``): access's
   no-escalation policies and the like (``UserWritePipeline.checks``);
3. set-based look-ups, once per batch: the logins, e-mails, extensions (users' and stations',
   FCC-42), PIN and password fingerprints in one statement, the DIDs in another; clashes inside
   the batch (two rows, one extension) are found too;
4. new passwords hashed in worker threads, in parallel (argon2 releases the GIL);
5. one batched write per table (users, user_roles, numbers) as Core statements;
6. the steps that follow a write, in the same transaction (``UserWritePipeline.after_write``):
   the last active administrator, sessions ended, default devices, invitations through the
   outbox, registrations dropped after commit. Licence reconciliation is one more line there:
   a step sees the whole batch written (flushed) and can still refuse it (409
   ``no_free_licence``), which refuses everything.

Every error of every row comes back at once, each with its row index, field and code; one
error refuses the whole batch and nothing is written (the edge rolls back). The audit hook
(core.audit) records each row, Core statements included. ``create_user``, ``update_user`` and
``delete_user`` are the single-row forms of the same path, for edges that handle one user.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import clock, context, events, secrets, throttle
from roster.core.errors import FieldError, Problem, RowErrors, found, invalid, not_found
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

# --- the batch and the steps handed to the service -----------------------------------------


@dataclass
class Row:
    """One row of a batch as it goes through the steps."""

    index: int
    sent: dict[str, Any]                     # the fields sent
    before: dict[str, Any] | None = None     # the user's columns before (None: a new user)
    roles_before: tuple[str, ...] = ()
    plan: rules.UserPlan | None = None       # what the rules decided to write
    id: int | None = None                    # the user's id (after the insert, for a new one)
    after: dict[str, Any] = field(default_factory=dict)  # the user's columns after the write

    @property
    def roles(self) -> tuple[str, ...]:
        return self.plan.roles if self.plan is not None else self.roles_before

    @property
    def is_new(self) -> bool:
        return self.before is None

    def changed(self, key: str) -> bool:
        return (self.before or {}).get(key) != self.after.get(key)


@dataclass
class UserBatch:
    """A batch of rows for the steps: who acts, in which tenant, doing what."""

    tenant: Tenant
    actor: Actor | None        # None: the system itself (a command run by the operator)
    action: str                # "create" | "update" | "delete"
    rows: list[Row]


Step = Callable[[AsyncSession, UserBatch], Awaitable[None]]


@dataclass(frozen=True)
class UserWritePipeline:
    """The policies and reactions of user writes, built in one place (roster.wiring) and handed
    to the service, so every edge runs the same ones (wazo-confd's ValidationGroup)."""

    checks: Sequence[Step] = ()         # before anything is looked up or written; raise to refuse
    after_write: Sequence[Step] = ()    # after the rows are written, in the same transaction
    before_delete: Sequence[Step] = ()
    after_delete: Sequence[Step] = ()


_installed: list[UserWritePipeline] = []


def install(pipeline: UserWritePipeline) -> None:
    """Where the application is built: the steps every user write runs."""
    _installed[:] = [pipeline]


def pipeline() -> UserWritePipeline:
    if not _installed:
        raise RuntimeError("the users service is not built: call roster.wiring.build() where "
                           "the application or command is set up")
    return _installed[0]


@dataclass(frozen=True)
class UserChange:
    """One row of ``update_users``: which user, and the fields sent."""

    user_id: int
    data: UserWrite


# --- the write path ---------------------------------------------------------------------------

_COLUMNS = [c for c in User.__table__.columns if c.key != "id"]


def _columns_of(user: User) -> dict[str, Any]:
    return {c.key: getattr(user, c.key) for c in User.__table__.columns}


def _new_row() -> dict[str, Any]:
    """Every column of a new user with its default (an INSERT of many rows needs them all);
    computed once per batch, each row then starts from a copy."""
    out: dict[str, Any] = {}
    for c in _COLUMNS:
        d = c.default
        out[c.key] = None if d is None else (d.arg(None) if d.is_callable else d.arg)
    return out


async def create_users(db: AsyncSession, *, tenant: Tenant, rows: Sequence[UserCreate],
                       actor: Actor | None = None) -> list[int]:
    """Create users, every rule of the user form checked; their ids in row order.

    Refusal: a Problem (422 invalid, 409 conflict, 403 escalation, 429 throttled) whose errors
    carry the row index; nothing is written."""
    if not rows:
        return []
    batch = UserBatch(tenant, actor, "create",
                      [Row(i, data.model_dump(exclude_unset=True)) for i, data in enumerate(rows)])
    await _write(db, batch)
    return [r.id for r in batch.rows]


async def update_users(db: AsyncSession, *, tenant: Tenant, changes: Sequence[UserChange],
                       actor: Actor | None = None) -> list[int]:
    """Change the fields sent of existing users, with the same rules as on creation; their ids
    in row order. A user outside the actor's data scope is not found (404)."""
    if not changes:
        return []
    users = await repo.by_ids(db, tenant.id, {c.user_id for c in changes}, actor)
    missing = [FieldError("id", "not_found", "No such user.", i)
               for i, c in enumerate(changes) if c.user_id not in users]
    seen: dict[int, int] = {}
    twice = []
    for i, c in enumerate(changes):
        if c.user_id in seen:
            twice.append(FieldError("id", "duplicate_row",
                                    f"Row {seen[c.user_id]} changes this user already.", i))
        seen.setdefault(c.user_id, i)
    if missing:
        raise Problem(404, "Not found", "No such user.", missing, code="not_found")
    if twice:
        raise invalid(*twice)
    batch = UserBatch(tenant, actor, "update", [
        Row(i, c.data.model_dump(exclude_unset=True), _columns_of(users[c.user_id]),
            tuple(users[c.user_id].role_list), id=c.user_id)
        for i, c in enumerate(changes)])
    await _write(db, batch)
    return [r.id for r in batch.rows]


def _unique_keys(row: Row, tenant_id: int) -> dict[str, str]:
    """The unique values this row sets that differ from what the user has (kind -> value)."""
    plan, before = row.plan, row.before or {}
    cols = plan.columns
    keys: dict[str, str] = {}
    if cols.get("login") and cols["login"].lower() != (before.get("login") or "").lower():
        keys["login"] = cols["login"].lower()
    if cols.get("email") and cols["email"] != (before.get("email") or "").lower():
        keys["email"] = cols["email"]
    if cols.get("extension") and cols["extension"] != before.get("extension"):
        keys["extension"] = cols["extension"]
    if plan.pin is not None:
        keys["pin"] = secrets.fingerprint("pin", f"{tenant_id}:{plan.pin}")
    if plan.password is not None:
        keys["password"] = secrets.fingerprint("password", f"{tenant_id}:{plan.password}")
    return keys


def _password_subject() -> str:
    return throttle.subject("password_refused", context.actor.get())


async def _write(db: AsyncSession, batch: UserBatch) -> None:
    """The sequence of the module docstring, for one batch."""
    steps = pipeline()
    errors = _apply_rules(batch)                                      # 1. rules per row
    for check in steps.checks:                                        # 2. policies
        await check(db, batch)
    valid = [r for r in batch.rows if not r.plan.errors]
    await _refuse_if_throttled(db, valid)
    keys = await _check_unique(db, batch, valid, errors)              # 3. look-ups
    numbers_state = await _check_numbers(db, batch, valid, errors)
    errors.raise_if_any()
    written = await _columns(batch, keys)                             # 4. hashing
    if batch.action == "create":                                      # 5. one write per table
        for row, user_id in zip(batch.rows, await repo.insert_users(db, written), strict=True):
            row.id = row.after["id"] = user_id
    else:
        await repo.update_users(db, written)
    await repo.replace_roles(
        db, clear=[r.id for r in batch.rows if r.plan.roles_changed and not r.is_new],
        rows=[{"user_id": r.id, "role": role, "tenant_id": batch.tenant.id}
              for r in batch.rows if r.plan.roles_changed for role in r.plan.roles])
    await _write_numbers(db, batch, numbers_state)
    for step in steps.after_write:                                    # 6. what follows
        await step(db, batch)


def _apply_rules(batch: UserBatch) -> RowErrors:
    errors = RowErrors()
    for row in batch.rows:
        row.plan = rules.plan_user(row.sent, row.before, roles_before=row.roles_before,
                                   region=batch.tenant.phone_region,
                                   default_language=batch.tenant.default_language)
        errors.extend(row.index, row.plan.errors)
    return errors


def _refusal_window() -> timedelta:
    return timedelta(seconds=get_settings().password_refusal_window_s)


async def _refuse_if_throttled(db: AsyncSession, rows: list[Row]) -> None:
    """FCC-13: an actor whose passwords were refused too often waits, whatever the password."""
    if any(r.plan.password is not None for r in rows):
        wait = await throttle.wait(db, _password_subject(), clock.now(),
                                   limit=get_settings().password_refusals,
                                   length=_refusal_window())
        if wait:
            raise _too_many_refusals(wait)


async def _check_unique(db: AsyncSession, batch: UserBatch, valid: list[Row],
                        errors: RowErrors) -> dict[int, dict[str, str]]:
    """Logins, e-mails, extensions, PINs and passwords: unique within the batch, then within
    the tenant (one statement for the whole batch). The unique values of each row, by index."""
    keys = {r.index: _unique_keys(r, batch.tenant.id) for r in valid}
    first: dict[tuple[str, str], int] = {}
    wanted: dict[str, set[str]] = {k: set() for k in ("login", "email", "extension", "pin",
                                                       "password")}
    for row in valid:
        for kind, value in keys[row.index].items():
            wanted[kind].add(value)
            earlier = first.setdefault((kind, value), row.index)
            if earlier == row.index:
                continue
            if kind == "password":
                errors.add(row.index, *rules.PASSWORD_REFUSED)  # the caller's own batch: no oracle
            else:
                field_name, code, _ = rules.TAKEN[kind]
                errors.add(row.index, field_name, code,
                           f"Row {earlier} of this batch has this value already.", conflict=True)
    await repo.lock_extensions(db, batch.tenant.id, wanted["extension"])
    held = await repo.holders(db, batch.tenant.id, logins=wanted["login"],
                              emails=wanted["email"], extensions=wanted["extension"],
                              pins=wanted["pin"], passwords=wanted["password"])
    holder: dict[tuple[str, str], set[int]] = {}  # user ids; 0: a station
    for kind, value, user_id in held:
        holder.setdefault((kind, value), set()).add(user_id)
    refused_passwords = []
    for row in valid:
        for kind, value in keys[row.index].items():
            if holder.get((kind, value), set()) - {row.id}:
                if kind == "password":
                    refused_passwords.append(row)
                else:
                    errors.add(row.index, *rules.TAKEN[kind], conflict=True)
    if refused_passwords:
        await _refuse_passwords(db, errors, refused_passwords)
    return keys


async def _columns(batch: UserBatch, keys: dict[int, dict[str, str]]) -> list[dict[str, Any]]:
    """The rows to write: the plan of each, its secrets hashed (passwords in parallel worker
    threads), every column for a new user, the changed ones (and the id) for an update."""
    tenant = batch.tenant
    hashed = iter(await secrets.hash_passwords([r.plan.password for r in batch.rows
                                                if r.plan.password is not None]))
    stamp = clock.now()
    template = _new_row() | {"tenant_id": tenant.id, "created_at": stamp}
    written = []
    for row in batch.rows:
        plan = row.plan
        cols = dict(plan.columns)
        if plan.pin is not None:
            cols["pin_digest"] = keys[row.index]["pin"]
        if plan.password is not None:
            cols["password_hash"] = next(hashed)
            cols["password_digest"] = keys[row.index]["password"]
        if plan.sip_password is not None:
            ext = cols.get("extension", (row.before or {}).get("extension"))
            domain = tenant.sip_domain
            cols["sip_ha1"] = secrets.sip_ha1(ext, domain, plan.sip_password)
            cols["sip_ha1b"] = secrets.sip_ha1b(ext, domain, domain, plan.sip_password)
        cols["updated_at"] = stamp
        if row.is_new:
            row.after = template | cols
            written.append(row.after)
        else:
            row.after = {**row.before, **cols}
            written.append({"id": row.id, **cols})
    return written


def _too_many_refusals(wait: int) -> Problem:
    return Problem(429, "Too many attempts",
                   "Too many passwords were refused; try again later.",
                   headers={"Retry-After": str(wait)}, code="too_many_attempts")


async def _refuse_passwords(db: AsyncSession, errors: RowErrors, rows: list[Row]) -> None:
    """FCC-13 without an oracle: each refusal is counted against the actor (even though the
    request is refused and rolled back), and a batch asking about more passwords than the
    actor has left is refused whole, without saying which."""
    settings = get_settings()
    key, now, window = _password_subject(), clock.now(), _refusal_window()
    left = await throttle.remaining(db, key, now, limit=settings.password_refusals,
                                    length=window)
    counted = min(len(rows), left)
    events.record_even_if_refused(db, partial(throttle.count, key=key, now=now, length=window,
                                              by=max(counted, 1)))
    if len(rows) > left:
        raise _too_many_refusals(int(window.total_seconds()))
    for row in rows:
        errors.add(row.index, *rules.PASSWORD_REFUSED)


async def _check_numbers(db: AsyncSession, batch: UserBatch, valid: list[Row],
                         errors: RowErrors) -> dict[int, Any]:
    """DIDs (FCC-40: the tenant's, and free) and presentation numbers (FCC-46: the tenant's),
    in one locked look-up; the numbers the changed users hold now, by user id."""
    wanted = {r.plan.did for r in valid if r.plan.did not in (rules.KEEP, None)}
    shown = {r.plan.presentation for r in valid if r.plan.presentation is not None}
    holders_of = {r.id for r in valid if not r.is_new and r.plan.did is not rules.KEEP}
    rows = await repo.numbers_for(db, batch.tenant.id, wanted | shown, holders_of)
    by_number = {n.number: n for n in rows}
    current = {n.assigned_user_id: n for n in rows if n.assigned_user_id in holders_of}
    taken_by: dict[str, int] = {}
    for row in valid:
        plan = row.plan
        if plan.presentation is not None and plan.presentation not in by_number:
            errors.add(row.index, "presentation_number", "presentation_not_owned",
                       "The presentation number must be one of the tenant's numbers.")
        if plan.did in (rules.KEEP, None):
            continue
        mine = current.get(row.id)
        if mine is not None and mine.number == plan.did:
            continue
        number = by_number.get(plan.did)
        if number is None:
            errors.add(row.index, "did", "number_not_in_pool",
                       "The DID must be one of the tenant's numbers (FCC-40).")
        elif number.assigned_user_id is not None or plan.did in taken_by:
            errors.add(row.index, "did", "number_not_free", "This number is already assigned.",
                       conflict=True)
        taken_by.setdefault(plan.did, row.index)
    return {"current": current, "by_number": by_number}


async def _write_numbers(db: AsyncSession, batch: UserBatch, numbers_state: dict) -> None:
    """Give back the DIDs the rows leave, then assign the ones they take (two statements)."""
    current, by_number = numbers_state["current"], numbers_state["by_number"]
    moving = [r for r in batch.rows if r.plan.did is not rules.KEEP
              and (current[r.id].number if r.id in current else None) != r.plan.did]
    await repo.release_numbers(db, [current[r.id].id for r in moving if r.id in current])
    await repo.assign_numbers(db, [(by_number[r.plan.did].id, r.id) for r in moving
                                   if r.plan.did is not None])


# --- the single-row forms ---------------------------------------------------------------------

async def create_user(db: AsyncSession, *, tenant: Tenant, data: UserCreate,
                      actor: Actor | None = None) -> User:
    """Create one user: ``create_users`` with one row."""
    try:
        (user_id,) = await create_users(db, tenant=tenant, rows=[data], actor=actor)
    except Problem as problem:
        raise problem.without_rows() from None
    return (await repo.by_ids(db, tenant.id, [user_id]))[user_id]


async def update_user(db: AsyncSession, *, tenant: Tenant, user: User, data: UserWrite,
                      actor: Actor | None = None) -> User:
    """Change the fields sent of one user: ``update_users`` with one row (``user`` is
    refreshed)."""
    try:
        await update_users(db, tenant=tenant, changes=[UserChange(user.id, data)], actor=actor)
    except Problem as problem:
        raise problem.without_rows() from None
    await repo.by_ids(db, tenant.id, [user.id])
    return user


async def delete_user(db: AsyncSession, *, tenant: Tenant, user: User,
                      actor: Actor | None = None) -> None:
    """Delete a user; its DID goes back to the pool, its files and registrations are removed,
    and the audit log records what the database removes with it."""
    steps = pipeline()
    batch = UserBatch(tenant, actor, "delete",
                      [Row(0, {}, _columns_of(user), tuple(user.role_list), id=user.id)])
    try:
        for step in steps.before_delete:
            await step(db, batch)
        await db.delete(user)
        await db.flush()
        for step in steps.after_delete:
            await step(db, batch)
    except Problem as problem:
        raise problem.without_rows() from None


async def users_by_ids(db: AsyncSession, *, tenant: Tenant, ids: Sequence[int]) -> list[User]:
    """Users of the tenant in the order of ``ids`` (what a batch wrote)."""
    found_users = await repo.by_ids(db, tenant.id, ids)
    return [found_users[i] for i in ids]


async def lock_extensions(db: AsyncSession, *, tenant_id: int, extensions: list[str]) -> None:
    """For another domain writing into the extension namespace (stations, queue numbers):
    wait for writers of the same extensions (FCC-42)."""
    await repo.lock_extensions(db, tenant_id, extensions)


async def get_user(db: AsyncSession, *, actor: Actor, user_id: int) -> User:
    """The user, if the actor may see it (its data scope); otherwise 404."""
    return found(await repo.get(db, actor, user_id), "user")


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
    found(getattr(user, _MEDIA[kind]), kind)
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


class RemoveMediaFolder:
    """After a user is deleted, its uploads go too, once the deletion committed."""

    async def __call__(self, db: AsyncSession, batch: UserBatch) -> None:
        data_dir = get_settings().data_dir
        folders = [media.media_path(data_dir, batch.tenant.id, row.id, "x").parent
                   for row in batch.rows]

        async def _remove() -> None:
            for folder in folders:
                await anyio.to_thread.run_sync(
                    partial(shutil.rmtree, folder, ignore_errors=True))

        events.after_commit(db, _remove)
