"""Statements over queues and campaigns. Row scoping (FCC-22, DAK-10) lives here, in
``scoped``, never in handlers: a principal with a queue scope sees only those queues."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.core.permissions import Actor
from roster.core.queries import taken
from roster.domains.groups.models import GroupMember
from roster.domains.queues.models import Queue, QueueMember, QueueOffer
from roster.domains.users.models import User
from roster.domains.users.repository import scoped as users_scoped

register_unique("uq_queues_tenant_id_kind_name", "name", "name_taken",
                "A queue or campaign of this name exists already.")
register_unique("uq_queues_tenant_id_extension", "extension", "extension_taken",
                "This extension is already used in the tenant.")


def scoped(stmt: Select, actor: Actor, kind: str) -> Select:
    """Restrict a statement over queues to this kind, the actor's tenant and its queue scope."""
    stmt = stmt.where(Queue.tenant_id == actor.tenant_id, Queue.kind == kind)
    scope = actor.principal.queue_scope
    if scope is not None:
        stmt = stmt.where(Queue.id.in_(scope))
    return stmt


async def get(db: AsyncSession, actor: Actor, kind: str, queue_id: int) -> Queue | None:
    return (await db.execute(scoped(select(Queue), actor, kind)
                             .where(Queue.id == queue_id))).scalar()


async def name_taken(db: AsyncSession, tenant_id: int, kind: str, name: str,
                     exclude: int | None) -> bool:
    return await taken(db, Queue, tenant_id=tenant_id, exclude_id=exclude, kind=kind, name=name)


async def list_page(db: AsyncSession, actor: Actor, kind: str, page: PageParams) -> list[Queue]:
    stmt = scoped(select(Queue), actor, kind)
    return list((await db.execute(paginate(stmt, Queue.id, page))).scalars())


async def member(db: AsyncSession, queue_id: int, user_id: int) -> QueueMember | None:
    return await db.get(QueueMember, (queue_id, user_id))


async def members_page(db: AsyncSession, queue_id: int, page: PageParams
                       ) -> list[tuple[int, str, str, int]]:
    stmt = (select(User.id, User.full_name, User.login, QueueMember.priority)
            .join(QueueMember, QueueMember.user_id == User.id)
            .where(QueueMember.queue_id == queue_id))
    return [tuple(r) for r in (await db.execute(paginate(stmt, User.id, page))).all()]


async def group_users(db: AsyncSession, actor: Actor, group_id: int) -> list[User]:
    """Members of a group the actor may see (its user scope), by id."""
    stmt = users_scoped(select(User).join(GroupMember, GroupMember.user_id == User.id)
                        .where(GroupMember.group_id == group_id), actor).order_by(User.id)
    return list((await db.execute(stmt)).scalars())


async def member_ids(db: AsyncSession, queue_id: int) -> set[int]:
    stmt = select(QueueMember.user_id).where(QueueMember.queue_id == queue_id)
    return {i for (i,) in await db.execute(stmt)}


async def extension_taken(db: AsyncSession, tenant_id: int, extension: str,
                          exclude: int | None) -> bool:
    return await taken(db, Queue, tenant_id=tenant_id, exclude_id=exclude, extension=extension)


async def by_extension(db: AsyncSession, tenant_id: int, extension: str) -> Queue | None:
    stmt = select(Queue).where(Queue.tenant_id == tenant_id, Queue.kind == "queue",
                               Queue.extension == extension)
    return (await db.execute(stmt)).scalar()


async def members_with_users(db: AsyncSession, queue_id: int) -> list[tuple[QueueMember, User]]:
    stmt = (select(QueueMember, User).join(User, User.id == QueueMember.user_id)
            .where(QueueMember.queue_id == queue_id).order_by(User.id))
    return [(m, u) for m, u in (await db.execute(stmt)).all()]


async def recent_load(db: AsyncSession, queue_id: int, since: datetime) -> dict[int, int]:
    """Calls of the queue offered to each member since ``since`` (OKI-32 load)."""
    stmt = (select(QueueOffer.user_id, func.count()).where(QueueOffer.queue_id == queue_id,
                                                            QueueOffer.at >= since)
            .group_by(QueueOffer.user_id))
    return {u: n for u, n in (await db.execute(stmt)).all()}


async def memberships_of(db: AsyncSession, actor: Actor, user_id: int
                         ) -> list[tuple[int, str, str, int]]:
    """The queues and campaigns (that the actor may see) a user is a member of, with the
    priority (OKI-32): (id, kind, name, priority), queues first, then by name."""
    stmt = (select(Queue.id, Queue.kind, Queue.name, QueueMember.priority)
            .join(QueueMember, QueueMember.queue_id == Queue.id)
            .where(QueueMember.user_id == user_id, Queue.tenant_id == actor.tenant_id))
    scope = actor.principal.queue_scope
    if scope is not None:
        stmt = stmt.where(Queue.id.in_(scope))
    return [tuple(r) for r in await db.execute(stmt.order_by(Queue.kind.desc(), Queue.name))]


async def list_both_kinds(db: AsyncSession, actor: Actor, limit: int) -> list[Queue]:
    """Queues and campaigns the actor may see, in one statement (a form's options)."""
    stmt = select(Queue).where(Queue.tenant_id == actor.tenant_id)
    scope = actor.principal.queue_scope
    if scope is not None:
        stmt = stmt.where(Queue.id.in_(scope))
    return list((await db.execute(stmt.order_by(Queue.kind.desc(), Queue.name).limit(limit)))
                .scalars())
