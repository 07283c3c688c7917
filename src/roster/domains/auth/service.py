"""Tokens and the principal behind them; sign-in with lock-out; sessions and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import audit, clock, context, events, lockout
from roster.core.errors import FieldError, Problem, conflict, invalid, not_found, unauthorized
from roster.core.permissions import ALL_PERMISSIONS, Actor, Principal
from roster.core.queries import insert_ignore, one_of
from roster.core.secrets import fingerprint, new_token, token_digest, verify_password
from roster.domains.access import policies
from roster.domains.access import repository as access_repo
from roster.domains.access import rules as access_rules
from roster.domains.auth import rules
from roster.domains.auth.models import AddressFailures, AuthToken, LoginLock, Operator
from roster.domains.tenants import repository as tenants_repo
from roster.domains.users.models import User


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite returns naive UTC
        return value.replace(tzinfo=UTC)
    return value


async def create_operator(db: AsyncSession, *, name: str) -> tuple[Operator, str]:
    """A platform operator and its first API token (returned once, stored hashed)."""
    exists = (await db.execute(select(Operator.id).where(Operator.name == name))).first()
    if exists:
        raise conflict("name", "operator_exists", "An operator with this name exists.")
    operator = Operator(name=name)
    db.add(operator)
    await db.flush()
    plain, digest = new_token("rop")
    db.add(AuthToken(digest=digest, kind="operator", operator_id=operator.id, name="cli"))
    await db.flush()
    return operator, plain


async def principal_for_token(db: AsyncSession, plain: str) -> Principal | None:
    row = (
        await db.execute(
            select(AuthToken.id, AuthToken.kind, AuthToken.operator_id, AuthToken.user_id,
                   AuthToken.tenant_id, AuthToken.active_role, AuthToken.expires_at,
                   AuthToken.revoked_at)
            .where(AuthToken.digest == token_digest(plain))
        )
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    expires = _aware(row.expires_at)
    if expires is not None and expires <= clock.now():
        return None
    if row.kind == "operator":
        return Principal("operator", row.operator_id, None, ALL_PERMISSIONS, token_id=row.id)
    from roster.domains.access.service import principal_for_user

    return await principal_for_user(db, token_id=row.id, kind=row.kind, user_id=row.user_id,
                                    tenant_id=row.tenant_id, active_role=row.active_role)


# --- sessions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Issued:
    token: str
    expires_in: int
    roles: list[str]
    active_role: str


async def issue_session(db: AsyncSession, *, user: User, role: str) -> Issued:
    """A session token acting with ``role`` (stored as its SHA-256 only)."""
    ttl = get_settings().token_ttl_s
    plain, digest = new_token("rst")
    db.add(AuthToken(digest=digest, kind="session", user_id=user.id, tenant_id=user.tenant_id,
                     active_role=role, expires_at=clock.now() + timedelta(seconds=ttl)))
    await db.flush()
    return Issued(plain, ttl, user.role_list, role)


async def operator_session(db: AsyncSession, *, plain: str) -> Issued:
    """A platform operator signs in to the panel with one of its API tokens: the panel gets a
    session token of its own (expiring, revoked by signing out), never the API token itself."""
    row = (await db.execute(select(AuthToken).where(AuthToken.digest == token_digest(plain),
                                                    AuthToken.kind == "operator"))).scalar()
    expires = None if row is None else _aware(row.expires_at)
    if row is None or row.revoked_at is not None or (expires is not None
                                                       and expires <= clock.now()):
        raise unauthorized("Not a valid operator token.")
    ttl = get_settings().token_ttl_s
    token, digest = new_token("rop")
    db.add(AuthToken(digest=digest, kind="operator", operator_id=row.operator_id, name="panel",
                     expires_at=clock.now() + timedelta(seconds=ttl)))
    await db.flush()
    return Issued(token, ttl, [], "")


async def sessions_of(db: AsyncSession, *, user_id: int) -> list[AuthToken]:
    """X-UI3: a user's open sessions (panel and API sign-ins), newest first."""
    stmt = (select(AuthToken).where(AuthToken.user_id == user_id, AuthToken.kind == "session",
                                    AuthToken.revoked_at.is_(None),
                                    AuthToken.expires_at > clock.now())
            .order_by(AuthToken.id.desc()))
    return list((await db.execute(stmt)).scalars())


def _bad_credentials() -> Problem:
    # One answer for an unknown login, a wrong password, an inactive user or a user who may not
    # use the panel: the response never tells whether the login exists.
    return unauthorized("Wrong login or password.")


def lock_subject(tenant_slug: str, login_name: str) -> str:
    """What failures are counted against: the tenant and login as typed, known or not, in
    lower case (logins are one whatever their case, so is their lock)."""
    return fingerprint("login", f"{tenant_slug.lower()}\x00{login_name.lower()}")


def _window(row: AddressFailures | None) -> lockout.Window | None:
    return None if row is None else lockout.Window(_aware(row.window_start), row.count)


async def _address_window(db: AsyncSession, address: str) -> lockout.Window | None:
    return _window(await db.get(AddressFailures, address))


async def login(db: AsyncSession, *, tenant_slug: str, login_name: str, password: str,
                address: str) -> Issued:
    """Sign in with tenant, login and password (FCC-6, FCC-8, DAK-10), with lock-out."""
    settings = get_settings()
    now = clock.now()
    wait = rules.address_blocked(await _address_window(db, address), now,
                                 limit=settings.address_attempts_per_minute)
    if wait:
        raise Problem(429, "Too many attempts", "Too many failed sign-ins from this address.",
                      headers={"Retry-After": str(wait)}, code="too_many_attempts")
    tenant = await tenants_repo.get_by_slug(db, tenant_slug)
    user = None
    if tenant is not None and tenant.active:
        user = (await db.execute(select(User).where(
            User.tenant_id == tenant.id, func.lower(User.login) == login_name.lower()))).scalar()
    tenant_id = tenant.id if tenant is not None else None
    user_id = user.id if user is not None else None  # read before any rollback expires ``user``
    subject = lock_subject(tenant_slug, login_name)
    lock = await db.get(LoginLock, subject)
    locked_for = lockout.seconds_locked(_lock_state(lock), now)
    if locked_for:
        events.record_even_if_refused(db, partial(
            _bookkeep, tenant_id=tenant_id, user_id=user_id, login_name=login_name,
            subject=subject, address=address, now=now, reason="locked", count=False))
        raise Problem(401, "Unauthorized", "Sign-in is locked for a while after failed attempts.",
                      headers={"Retry-After": str(locked_for), "WWW-Authenticate": "Bearer"},
                      code="locked")
    ok = await verify_password(user.password_hash if user is not None else None, password)
    eligible = (user is not None and user.active and user.panel_access
                and access_rules.can_sign_in(user.role_list))
    if not ok or not eligible:
        reason = "bad_password" if not ok else "not_allowed"
        events.record_even_if_refused(db, partial(
            _bookkeep, tenant_id=tenant_id, user_id=user_id, login_name=login_name,
            subject=subject, address=address, now=now, reason=reason, count=True))
        raise _bad_credentials()
    if lock is not None:
        await db.delete(lock)
    role = access_rules.default_active_role(user.role_list)
    issued = await issue_session(db, user=user, role=role)
    context.actor.set(f"user:{user.id}")
    await audit.record(db, action="login", entity="user", entity_id=user.id,
                       tenant_id=user.tenant_id, after={"active_role": role, "address": address})
    return issued


def _lock_state(lock: LoginLock | None) -> lockout.LockState | None:
    return None if lock is None else lockout.LockState(lock.failures, _aware(lock.locked_until))


async def seconds_locked(db: AsyncSession, *, subject: str, now: datetime) -> int:
    """Seconds a lock-out subject (a login, a PIN caller) must still wait; 0 when free."""
    return lockout.seconds_locked(_lock_state(await db.get(LoginLock, subject)), now)


@dataclass(frozen=True)
class Counted:
    counted: bool                   # False: the subject was locked already, nothing counted
    locked_until: datetime | None   # set when this failure locked the subject


async def _locked_row(db: AsyncSession, model, key: str, defaults: dict):
    """The counter row of ``key``, created if missing and locked until commit: concurrent
    failures wait for each other and add up (PostgreSQL row lock; SQLite's BEGIN IMMEDIATE
    serialises the whole transaction)."""
    pk = model.__table__.primary_key.columns.values()[0]
    await insert_ignore(db, model, {pk.key: key, **defaults})
    return (await db.execute(select(model).where(pk == key).with_for_update()
                             .execution_options(populate_existing=True))).scalar_one()


async def count_failure(db: AsyncSession, *, subject: str, tenant_id: int | None,
                        now: datetime) -> Counted:
    """One more failure for a lock-out subject, counted atomically. A failure while the subject
    is locked is not counted. Flushes only: it runs inside a refusal record
    (events.record_even_if_refused)."""
    settings = get_settings()
    lock = await _locked_row(db, LoginLock, subject,
                             {"tenant_id": tenant_id, "failures": 0, "locked_until": None})
    before = _lock_state(lock)
    if lockout.locked_now(before, now):
        return Counted(False, None)
    state = lockout.after_failure(before, now, attempts=settings.lockout_attempts,
                                  seconds=settings.lockout_seconds)
    lock.failures, lock.locked_until = state.failures, state.locked_until
    await db.flush()
    return Counted(True, state.locked_until if lockout.locked_now(state, now) else None)


async def _bookkeep(s: AsyncSession, *, tenant_id: int | None, user_id: int | None,
                    login_name: str, subject: str, address: str, now: datetime, reason: str,
                    count: bool) -> None:
    """Record a refused sign-in: counters, lock and audit entry.

    The request answers 401 and its own transaction rolls back (a refused request changes
    nothing), yet lock-out needs the failures to stay: so this runs through
    ``events.record_even_if_refused``, in a transaction of its own, after that rollback.
    """
    newly_locked = None
    if count:
        row = await _locked_row(s, AddressFailures, address, {"window_start": now, "count": 0})
        window = rules.address_after_failure(_window(row), now)
        row.window_start, row.count = window.start, window.count
        counted = await count_failure(s, subject=subject, tenant_id=tenant_id, now=now)
        if not counted.counted:
            reason = "locked"  # locked by a concurrent failure meanwhile: refused, not counted
        newly_locked = counted.locked_until
    entity, entity_id = ("user", user_id) if user_id is not None else ("login", login_name[:60])
    await audit.record(s, action="login_failed", entity=entity, entity_id=entity_id,
                       tenant_id=tenant_id, after={"reason": reason, "address": address})
    if newly_locked is not None:
        await audit.record(s, action="locked", entity=entity, entity_id=entity_id,
                           tenant_id=tenant_id,
                           after={"until": newly_locked.isoformat(), "address": address})


async def switch_role(db: AsyncSession, *, principal: Principal, role: str) -> Issued:
    """FCC-20: act with another of one's account kinds, without the password."""
    if principal.kind != "user":
        raise invalid(FieldError("role", "not_a_session", "Only a signed-in user switches role."))
    user = await db.get(User, principal.user_id)
    if role not in access_rules.ACCOUNT_KINDS or user is None or role not in user.role_list:
        raise Problem(403, "Forbidden", "You do not hold this role.", code="role_not_held")
    issued = await issue_session(db, user=user, role=role)
    await revoke_token(db, principal.token_id)
    await audit.record(db, action="role_switch", entity="user", entity_id=user.id,
                       tenant_id=user.tenant_id, before={"active_role": principal.active_role},
                       after={"active_role": role})
    return issued


async def revoke_token(db: AsyncSession, token_id: int | None) -> None:
    if token_id is None:
        return
    await db.execute(update(AuthToken).where(AuthToken.id == token_id,
                                             AuthToken.revoked_at.is_(None))
                     .values(revoked_at=clock.now()))


async def revoke_user_tokens(db: AsyncSession, *, user_id: int | None = None,
                             user_ids: list[int] = (), kinds: tuple[str, ...] = ("session",)
                             ) -> int:
    """End the tokens of one user or of many, in one statement."""
    ids = [user_id] if user_id is not None else list(user_ids)
    if not ids:
        return 0
    result = await db.execute(
        update(AuthToken).where(one_of(db, AuthToken.user_id, ids), AuthToken.kind.in_(kinds),
                                AuthToken.revoked_at.is_(None))
        .values(revoked_at=clock.now()))
    return result.rowcount or 0


async def logout(db: AsyncSession, *, principal: Principal) -> None:
    await revoke_token(db, principal.token_id)
    entity = "user" if principal.user_id is not None else principal.kind
    await audit.record(db, action="logout", entity=entity, entity_id=principal.subject_id,
                       tenant_id=principal.tenant_id)


async def logout_all(db: AsyncSession, *, principal: Principal) -> int:
    """Sign out everywhere: every session of the signed-in user."""
    if principal.kind != "user":
        await revoke_token(db, principal.token_id)
        return 1
    n = await revoke_user_tokens(db, user_id=principal.subject_id)
    await audit.record(db, action="logout_all", entity="user", entity_id=principal.subject_id,
                       tenant_id=principal.tenant_id, after={"sessions": n})
    return n


async def revoke_sessions(db: AsyncSession, *, actor: Actor, user: User) -> int:
    """An administrator signs a user out of every session."""
    policies.only_administrators_change_administrators(actor, user.role_list)
    n = await revoke_user_tokens(db, user_id=user.id)
    await audit.record(db, action="sessions_revoked", entity="user", entity_id=user.id,
                       tenant_id=user.tenant_id, after={"sessions": n})
    return n


async def lock_state(db: AsyncSession, *, tenant, user: User) -> tuple[int, datetime | None]:
    lock = await db.get(LoginLock, lock_subject(tenant.slug, user.login))
    if lock is None:
        return 0, None
    until = _aware(lock.locked_until)
    return lock.failures, until if until is not None and until > clock.now() else None


async def unlock(db: AsyncSession, *, tenant, user: User) -> None:
    lock = await db.get(LoginLock, lock_subject(tenant.slug, user.login))
    if lock is not None:
        await db.delete(lock)
        await db.flush()
    await audit.record(db, action="unlocked", entity="user", entity_id=user.id,
                       tenant_id=user.tenant_id)


# --- API tokens for integrations ---------------------------------------------------------------

async def create_api_token(db: AsyncSession, *, actor: Actor, name: str, role: str,
                           expires_in_days: int | None) -> tuple[AuthToken, str]:
    """A named token acting for its creator with one chosen role; shown once."""
    p = actor.principal
    if p.kind != "user":
        raise invalid(FieldError("role", "user_required",
                                 "API tokens act for a user: create them signed in as one."))
    if role in access_rules.ACCOUNT_KINDS:
        policies.no_token_beyond_held(actor, role)
    elif role.startswith("role:") and role[5:].isdigit():
        custom = await access_repo.get_role(db, actor.tenant_id, int(role[5:]))
        if custom is None:
            raise invalid(FieldError("role", "unknown_role", "No such role in this tenant."))
        policies.no_grant_beyond_held(actor, custom.permissions or [])
    else:
        raise invalid(FieldError("role", "invalid_choice",
                                 "An account kind you hold, or role:<id> of a custom role."))
    existing = await db.execute(select(AuthToken.id).where(
        AuthToken.tenant_id == actor.tenant_id, AuthToken.kind == "api", AuthToken.name == name,
        AuthToken.revoked_at.is_(None)))
    if existing.first() is not None:
        raise conflict("name", "token_exists", "An active token has this name.")
    plain, digest = new_token("rapi")
    expires = (clock.now() + timedelta(days=expires_in_days)) if expires_in_days else None
    token = AuthToken(digest=digest, kind="api", user_id=p.subject_id, tenant_id=actor.tenant_id,
                      active_role=role, name=name, expires_at=expires)
    db.add(token)
    await db.flush()
    return token, plain


async def api_tokens(db: AsyncSession, *, tenant_id: int) -> list[AuthToken]:
    stmt = (select(AuthToken).where(AuthToken.tenant_id == tenant_id, AuthToken.kind == "api")
            .order_by(AuthToken.id))
    return list((await db.execute(stmt)).scalars())


async def revoke_api_token(db: AsyncSession, *, actor: Actor, token_id: int) -> None:
    token = (await db.execute(select(AuthToken).where(
        AuthToken.id == token_id, AuthToken.tenant_id == actor.tenant_id,
        AuthToken.kind == "api"))).scalar()
    if token is None:
        raise not_found("token")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        await db.flush()


# --- steps of user and tenant writes (handed to those services in roster.wiring) ---------------

class EndSessionsOnAccessLoss:
    """After users change: a deactivated user signs out everywhere, integrations included
    (FCC-6); one losing panel access or given a new password loses its sessions (FCC-8); a new
    password lifts the sign-in lock-out. One statement per kind of change for the whole batch."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        if batch.action != "update":
            return
        deactivated = [r.id for r in batch.rows if r.before["active"] and not r.after["active"]]
        repassworded = [r for r in batch.rows if r.changed("password_hash")]
        sessions = [r.id for r in batch.rows if r.id not in deactivated and (
            (r.before["panel_access"] and not r.after["panel_access"])
            or (r.before["password_hash"] and r.changed("password_hash")))]
        await revoke_user_tokens(db, user_ids=deactivated, kinds=("session", "api"))
        await revoke_user_tokens(db, user_ids=sessions)
        subjects = [lock_subject(batch.tenant.slug, r.after["login"]) for r in repassworded]
        if subjects:
            await db.execute(delete(LoginLock).where(one_of(db, LoginLock.subject, subjects)))


async def revoke_tenant_tokens(db: AsyncSession, *, tenant) -> None:
    """A deactivated tenant's sessions and tokens all end."""
    await db.execute(update(AuthToken).where(AuthToken.tenant_id == tenant.id,
                                             AuthToken.revoked_at.is_(None))
                     .values(revoked_at=clock.now()))
