"""Invitations (OKI-40) and password recovery (FCC-14): a single-use, expiring key by e-mail
that leads to a page setting the password under the user-form policy (FCC-13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import audit, clock, context, mail
from roster.core.errors import FieldError, Problem, gone, invalid
from roster.core.permissions import Actor
from roster.core.secrets import new_token, token_digest
from roster.domains.access import rules as access_rules
from roster.domains.invitations import repository as repo
from roster.domains.invitations import rules
from roster.domains.invitations.models import AccessKey
from roster.domains.tenants import repository as tenants_repo
from roster.domains.tenants.models import Tenant
from roster.domains.users import service as users_service
from roster.domains.users.models import User
from roster.domains.users.schemas import UserWrite


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _may_sign_in(user: User) -> bool:
    return user.active and user.panel_access and access_rules.can_sign_in(user.role_list)


def _link(plain: str) -> str:
    # The panel's page (its look, the user's language); /api/v1/auth/invitations/<key> redirects
    # there, so links mailed before keep working.
    return f"{get_settings().public_base_url.rstrip('/')}/set-password/{plain}"


async def _issue(db: AsyncSession, *, tenant: Tenant, people: list[tuple[int, str, str, str]],
                 purpose: str) -> datetime:
    """New keys for (user id, e-mail, name, language) and their mails, queued in the outbox:
    they leave once the change commits, retried while the mail server is unreachable. The audit
    log says "queued", not "sent". One insert per table for the whole list."""
    now = clock.now()
    expires = now + timedelta(seconds=get_settings().invitation_ttl_s)
    keys, mails = [], []
    for user_id, email, name, language in people:
        plain, digest = new_token("rkey")
        keys.append({"digest": digest, "purpose": purpose, "tenant_id": tenant.id,
                     "user_id": user_id, "expires_at": expires, "used_at": None,
                     "revoked_at": None, "created_at": now})
        subject, body = rules.compose(purpose, language, name=name, tenant=tenant.name,
                                      link=_link(plain), expires=expires)
        mails.append(mail.payload(to=email, subject=subject, body=body,
                                  about={"entity": "user", "entity_id": user_id}))
    await repo.insert_keys(db, keys)
    await mail.enqueue(db, mails, tenant_id=tenant.id)
    for user_id, *_ in people:
        await audit.record(db, action=f"{purpose}_queued", entity="user", entity_id=user_id,
                           tenant_id=tenant.id, after={"expires_at": expires.isoformat()})
    return expires


async def issue(db: AsyncSession, *, tenant: Tenant, user: User, purpose: str) -> datetime:
    """A new key for ``user`` (earlier ones stop working), mailed once the change commits."""
    await repo.revoke_open(db, user_id=user.id, now=clock.now())
    return await _issue(db, tenant=tenant, purpose=purpose,
                        people=[(user.id, user.email, user.full_name, user.language)])


class InviteNewUsers:
    """After users are created (OKI-40): each with an e-mail, no password and the right to sign
    in is invited to set a password."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        if batch.action != "create":
            return
        people = [(r.id, r.after["email"], r.after["full_name"], r.after["language"])
                  for r in batch.rows
                  if r.after.get("email") and r.after.get("password_hash") is None
                  and r.after["active"] and r.after["panel_access"]
                  and access_rules.can_sign_in(r.roles)]
        if people:
            await _issue(db, tenant=batch.tenant, people=people, purpose="invitation")


async def resend(db: AsyncSession, *, actor: Actor, user: User) -> datetime:
    """Send a new invitation; the previous link stops working."""
    if not user.email:
        raise invalid(FieldError("email", "required", "The user has no e-mail address."))
    if user.password_hash is not None:
        raise Problem(409, "Conflict", "The user has set a password already; use recovery.",
                      code="already_set")
    if not _may_sign_in(user):
        raise Problem(409, "Conflict", "The user cannot sign in (inactive, no panel access or "
                      "a back-office user).", code="cannot_sign_in")
    return await issue(db, tenant=actor.tenant, user=user, purpose="invitation")


async def request_recovery(db: AsyncSession, *, tenant_slug: str, email: str) -> None:
    """FCC-14: mail a reset link if such a user exists; the caller learns nothing either way."""
    tenant = await tenants_repo.get_by_slug(db, tenant_slug)
    if tenant is None or not tenant.active:
        return
    user = await repo.user_by_email(db, tenant.id, email)
    if user is None or not _may_sign_in(user):
        return
    await issue(db, tenant=tenant, user=user, purpose="recovery")  # audited: recovery_queued


async def usable_key(db: AsyncSession, plain: str) -> tuple[AccessKey, User]:
    """The key behind a link, or 410: unknown, used, replaced and expired links all look gone."""
    key = await repo.by_digest(db, token_digest(plain))
    if key is None:
        raise gone("This link is not valid.")
    state = rules.key_state(used_at=key.used_at, revoked_at=key.revoked_at,
                            expires_at=_aware(key.expires_at), now=clock.now())
    if state != "usable":
        raise gone("This link has been used or has expired.")
    user = await db.get(User, key.user_id)
    if user is None or not user.active:
        raise gone("This link is not valid.")
    return key, user


async def set_password(db: AsyncSession, *, plain: str, password: str) -> User:
    """Use the key once to set the password, by the same rules as the user form (FCC-13)."""
    key, user = await usable_key(db, plain)
    tenant = await db.get(Tenant, user.tenant_id)
    # The holder of the link acts on its own account: the audit log and the refusal budget
    # of passwords (FCC-13) are the user's.
    context.actor.set(f"user:{user.id}")
    # The user service checks the policy for the user's strictest role and the uniqueness
    # fingerprint, hashes, and announces the change (which ends old sessions).
    await users_service.update_user(db, tenant=tenant, user=user,
                                    data=UserWrite.model_validate({"password": password}))
    key.used_at = clock.now()
    await repo.revoke_open(db, user_id=user.id, now=key.used_at)
    await db.flush()
    await audit.record(db, action="password_set", entity="user", entity_id=user.id,
                       tenant_id=user.tenant_id, after={"via": key.purpose})
    return user
