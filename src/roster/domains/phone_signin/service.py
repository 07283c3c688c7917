"""Sign-in by SIP call-back (SIPL-20): Roster calls the phone registered for the address typed,
a robot reads out a one-time code, the person types it as DTMF, and the waiting client gets a
session with the person's own permissions. Services flush, never commit."""

from __future__ import annotations

import hmac
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import audit, clock, context, events
from roster.core.errors import FieldErrors, Problem, not_found
from roster.core.secrets import fingerprint, new_token, token_digest
from roster.domains.access import rules as access_rules
from roster.domains.auth import service as auth_service
from roster.domains.phone_signin import repository as repo
from roster.domains.phone_signin import rules
from roster.domains.phone_signin.models import PhoneSignin
from roster.domains.phone_signin.schemas import SipCallbackState
from roster.domains.sip import repository as sip_repo
from roster.domains.users.models import User


def _code_digest(key_digest: str, code: str) -> str:
    return fingerprint("sip-callback-code", f"{key_digest}:{code}")


async def start(db: AsyncSession, *, sip_address: str, source: str, sessionmaker
                ) -> tuple[str, PhoneSignin]:
    """Start a call-back sign-in; the poll key (returned once) and the attempt. The answer is
    the same for an unknown, inactive or unregistered address: only the phone tells."""
    settings = get_settings()
    parsed, errs = rules.parse_address(sip_address)
    errors = FieldErrors()
    errors.extend(errs)
    errors.raise_if_any()
    extension, domain = parsed
    address = f"{extension}@{domain}"
    now = clock.now()
    hour = now - timedelta(hours=1)
    if (rules.throttled(await repo.recent(db, since=hour, sip_address=address),
                        settings.sip_callback_per_address_per_hour)
            or rules.throttled(await repo.recent(db, since=hour, source=source),
                               settings.sip_callback_per_source_per_hour)):
        raise Problem(429, "Too many attempts", "Too many call-backs; try again later.",
                      code="too_many_callbacks", headers={"Retry-After": "3600"})
    tenant = await sip_repo.tenant_by_domain(db, domain)
    user = None
    if tenant is not None and tenant.active:
        user = await sip_repo.user_by_extension(db, tenant.id, extension)
    eligible = (user is not None and user.active and user.sip_ha1 is not None
                and user.panel_access and access_rules.can_sign_in(user.role_list))
    key, key_digest = new_token("rsc")
    code = rules.new_code()
    row = PhoneSignin(id=key_digest, tenant_id=tenant.id if tenant else None,
                      user_id=user.id if eligible else None, sip_address=address, source=source,
                      status=rules.CALLING, code_digest=_code_digest(key_digest, code), created_at=now,
                      expires_at=now + timedelta(seconds=settings.sip_callback_code_ttl_s))
    db.add(row)
    await db.flush()
    if eligible:
        from roster.domains.phone_signin import robot

        language = rules.voice_language(user.language)

        async def _call() -> None:
            robot.place_call(sessionmaker, key_digest=key_digest, extension=extension,
                             domain=tenant.sip_domain, language=language, code=code,
                             expires_at=row.expires_at)

        events.after_commit(db, _call)
    return key, row


async def check_code(db: AsyncSession, *, key_digest: str, digits: str) -> str:
    """The robot heard ``digits``: VERIFIED, CALLING (wrong, try again) or FAILED (attempts
    used up, or expired)."""
    row = await repo.get(db, key_digest, lock=True)
    if row is None:
        return rules.FAILED
    now = clock.now()
    status = rules.status_now(rules.Attempt(row.status, row.attempts, row.expires_at), now)
    if status != rules.CALLING:
        row.status = status
        await db.flush()
        return status
    if row.code_digest and hmac.compare_digest(row.code_digest, _code_digest(key_digest, digits)):
        row.status, row.code_digest = rules.VERIFIED, None
    else:
        row.attempts, row.status = rules.after_wrong_code(row.attempts,
                                                          get_settings().sip_callback_attempts)
        if row.status == rules.FAILED:
            row.code_digest, row.reason = None, "attempts_used_up"
    await db.flush()
    return row.status


async def end_call(db: AsyncSession, *, key_digest: str, reason: str) -> None:
    """The robot's call ended before the code was verified."""
    row = await repo.get(db, key_digest, lock=True)
    if row is not None and row.status == rules.CALLING:
        row.status, row.reason, row.code_digest = rules.FAILED, reason, None
        await db.flush()


async def poll(db: AsyncSession, *, key: str) -> SipCallbackState:
    """Where the sign-in stands; once verified, the session token is handed over, once."""
    row = await repo.get(db, token_digest(key), lock=True)
    if row is None:
        raise not_found("sip_callback")
    status = rules.status_now(rules.Attempt(row.status, row.attempts, row.expires_at),
                              clock.now())
    if status != rules.VERIFIED:
        return SipCallbackState(status=status)
    user = await db.get(User, row.user_id) if row.user_id else None
    if user is None or not user.active or not access_rules.can_sign_in(user.role_list):
        row.status = rules.FAILED
        await db.flush()
        return SipCallbackState(status=rules.FAILED)
    role = access_rules.default_active_role(user.role_list)
    issued = await auth_service.issue_session(db, user=user, role=role)
    row.status = rules.CLAIMED
    await db.flush()
    context.actor.set(f"user:{user.id}")
    await audit.record(db, action="login", entity="user", entity_id=user.id,
                       tenant_id=user.tenant_id,
                       after={"active_role": role, "channel": "sip_callback",
                              "address": row.source})
    return SipCallbackState(status="signed_in", access_token=issued.token, token_type="bearer",
                            expires_in=issued.expires_in, roles=issued.roles,
                            active_role=issued.active_role)
