"""Queues (OKI-31) and auto-dialer campaigns, and their members with a priority (OKI-32);
a whole group is added at once (OKI-30). One service serves both kinds."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.catalogue import update_entry
from roster.core.errors import Problem, already_member, conflict, found, invalid
from roster.core.permissions import Actor
from roster.domains.groups.models import Group
from roster.domains.queues import repository as repo
from roster.domains.queues import rules
from roster.domains.queues.models import Queue, QueueMember
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
    queue = Queue(tenant_id=actor.tenant_id, kind=kind, **values)
    db.add(queue)
    await db.flush()
    return queue


async def update(db: AsyncSession, *, actor: Actor, queue: Queue, values: dict) -> Queue:
    _catalogue_guard(actor)
    return await update_entry(
        db, queue, values,
        name_taken=lambda name: repo.name_taken(db, queue.tenant_id, queue.kind, name, queue.id),
        taken=("name_taken", _NAME_TAKEN[queue.kind]))


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
