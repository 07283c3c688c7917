"""Queues (OKI-31) and auto-dialer campaigns, and their members with a priority (OKI-32);
a whole group is added at once (OKI-30). One service serves both kinds."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import clock
from roster.core.catalogue import update_entry
from roster.core.errors import Problem, already_member, conflict, found, invalid
from roster.core.permissions import Actor
from roster.domains.devices import repository as devices_repo
from roster.domains.devices.rules import LINE_KINDS
from roster.domains.groups.models import Group
from roster.domains.queues import repository as repo
from roster.domains.queues import rules
from roster.domains.queues.models import Queue, QueueMember, QueueOffer
from roster.domains.stations import service as stations
from roster.domains.tenants.models import Tenant
from roster.domains.users import rules as user_rules
from roster.domains.users import service as users_service
from roster.domains.users.models import User

_NAME_TAKEN = {"queue": "A queue of this name exists already.",
               "campaign": "A campaign of this name exists already."}


def _catalogue_guard(actor: Actor) -> None:
    if not rules.may_change_catalogue(actor.principal.queue_scope):
        raise Problem(403, "Forbidden",
                      "Only a principal seeing the whole tenant changes the catalogue; "
                      "a supervisor manages the members of its assigned queues and campaigns.",
                      code="outside_scope")


async def create(db: AsyncSession, *, actor: Actor, kind: str, values: dict) -> Queue:
    """Add a queue or campaign to the catalogue."""
    _catalogue_guard(actor)
    if await repo.name_taken(db, actor.tenant_id, kind, values["name"], None):
        raise conflict("name", "name_taken", _NAME_TAKEN[kind])
    await _check_extension(db, actor.tenant_id, values.get("extension"), None)
    queue = Queue(tenant_id=actor.tenant_id, kind=kind, **values)
    db.add(queue)
    await db.flush()
    return queue


async def update(db: AsyncSession, *, actor: Actor, queue: Queue, values: dict) -> Queue:
    _catalogue_guard(actor)
    if "extension" in values:
        await _check_extension(db, queue.tenant_id, values["extension"], queue.id)
    return await update_entry(
        db, queue, values,
        name_taken=lambda name: repo.name_taken(db, queue.tenant_id, queue.kind, name, queue.id),
        taken=("name_taken", _NAME_TAKEN[queue.kind]))


async def _check_extension(db: AsyncSession, tenant_id: int, extension: str | None,
                           exclude: int | None) -> None:
    """A queue's number has the shape of an extension (FCC-42) and is nobody else's."""
    if extension is None:
        return
    errors = user_rules.check_extension(extension)
    if errors:
        raise invalid(*errors)
    # FCC-42: one namespace with users' extensions and stations; wait for writers of it.
    await users_service.lock_extensions(db, tenant_id=tenant_id, extensions=[extension])
    if (await repo.extension_taken(db, tenant_id, extension, exclude)
            or await stations.extension_in_use(db, tenant_id, extension)):
        raise conflict("extension", "extension_taken", "This extension is already used in the tenant.")


async def delete(db: AsyncSession, *, actor: Actor, queue: Queue) -> None:
    _catalogue_guard(actor)
    await db.delete(queue)
    await db.flush()


def _check_priority(priority: int) -> None:
    errors = rules.check_priority(priority)
    if errors:
        raise invalid(*errors)


async def add_member(db: AsyncSession, *, queue: Queue, user: User, priority: int) -> None:
    """OKI-32: add a user with a priority; 409 when already a member."""
    _check_priority(priority)
    if await repo.member(db, queue.id, user.id) is not None:
        raise already_member("user_id", "The user is already a member.")
    db.add(QueueMember(queue_id=queue.id, user_id=user.id, tenant_id=queue.tenant_id,
                       priority=priority))
    await db.flush()


async def add_group(db: AsyncSession, *, actor: Actor, queue: Queue, group: Group,
                    priority: int) -> tuple[list[User], list[int]]:
    """OKI-30: add every member of the group (that the actor may see) not already a member."""
    _check_priority(priority)
    present = await repo.member_ids(db, queue.id)
    added, skipped = [], []
    for user in await repo.group_users(db, actor, group.id):
        if user.id in present:
            skipped.append(user.id)
            continue
        db.add(QueueMember(queue_id=queue.id, user_id=user.id, tenant_id=queue.tenant_id,
                           priority=priority))
        added.append(user)
    await db.flush()
    return added, skipped


async def set_priority(db: AsyncSession, *, queue: Queue, user_id: int,
                       priority: int) -> QueueMember:
    _check_priority(priority)
    row = found(await repo.member(db, queue.id, user_id), "member")
    row.priority = priority
    await db.flush()
    return row


async def remove_member(db: AsyncSession, *, queue: Queue, user_id: int) -> None:
    row = found(await repo.member(db, queue.id, user_id), "member")
    await db.delete(row)
    await db.flush()


# --- distribution of inbound calls (OKI-32, X-7) ---------------------------------------------

class Presence(Protocol):
    """What the registrar knows now: registered addresses and users in a call."""

    async def registered(self, aors: list[str]) -> set[str]: ...

    async def busy(self, user_ids: list[int]) -> set[int]: ...


async def distribution(db: AsyncSession, *, tenant: Tenant, queue: Queue,
                       presence: Presence) -> list[rules.Slot]:
    """OKI-32: the members of the queue in the order the next call is offered, and why the
    others are skipped. The preview and the routing both call this."""
    members = await repo.members_with_users(db, queue.id)
    since = clock.now() - timedelta(seconds=get_settings().queue_load_window_s)
    load = await repo.recent_load(db, queue.id, since)
    aors: dict[int, list[str]] = {}
    for _, user in members:
        aors[user.id] = [f"{d.sip_username}@{tenant.sip_domain}"
                         for d in await devices_repo.of_user(db, user.id)
                         if d.kind in LINE_KINDS and d.enabled and d.sip_username]
    registered = await presence.registered([a for v in aors.values() for a in v])
    busy = await presence.busy([user.id for _, user in members])
    candidates = []
    for member, user in members:
        state = await stations.current_state(db, tenant=tenant, user=user)
        candidates.append(rules.Candidate(
            user_id=user.id, priority=member.priority, active=user.active, state=state.state,
            registered=any(a in registered for a in aors[user.id]), on_call=user.id in busy,
            call_blocks_other=user.call_blocks_other, load=load.get(user.id, 0)))
    return rules.distribution(candidates)


async def offer_call(db: AsyncSession, *, tenant: Tenant, queue: Queue,
                     presence: Presence) -> User | None:
    """Route one call of the queue: the member at position 1 gets it, and it counts towards
    that member's load. None when nobody is available."""
    slots = await distribution(db, tenant=tenant, queue=queue, presence=presence)
    if not slots or slots[0].position != 1:
        return None
    db.add(QueueOffer(tenant_id=tenant.id, queue_id=queue.id, user_id=slots[0].user_id))
    await db.flush()
    return await db.get(User, slots[0].user_id)
