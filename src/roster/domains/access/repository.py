"""Statements over roles, grants, overrides, assignments and call visibility."""

from __future__ import annotations

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.core.permissions import Actor
from roster.domains.access.models import (
    CallVisibility,
    PermissionOverride,
    Role,
    RoleGrant,
    SupervisedQueue,
    SupervisorAssignment,
)
from roster.domains.groups.models import GroupMember
from roster.domains.projects.models import ProjectMember
from roster.domains.queues.models import Queue, QueueMember
from roster.domains.users.models import User, UserRole
from roster.domains.users.repository import scoped

register_unique("uq_roles_tenant_id_name", "name", "role_exists", "This role exists already.")


# --- custom roles ---------------------------------------------------------------------------

async def get_role(db: AsyncSession, tenant_id: int, role_id: int) -> Role | None:
    stmt = select(Role).where(Role.tenant_id == tenant_id, Role.id == role_id)
    return (await db.execute(stmt)).scalar()


async def role_by_name(db: AsyncSession, tenant_id: int, name: str) -> Role | None:
    stmt = select(Role).where(Role.tenant_id == tenant_id, Role.name == name)
    return (await db.execute(stmt)).scalar()


async def roles_page(db: AsyncSession, tenant_id: int, page: PageParams) -> list[Role]:
    stmt = select(Role).where(Role.tenant_id == tenant_id)
    return list((await db.execute(paginate(stmt, Role.id, page))).scalars())


async def holders_count(db: AsyncSession, role_id: int) -> int:
    stmt = select(func.count()).where(RoleGrant.role_id == role_id)
    return (await db.execute(stmt)).scalar_one()


# --- grants of roles, within projects or not ------------------------------------------------

async def grants_of(db: AsyncSession, user_id: int) -> list[tuple[RoleGrant, Role | None]]:
    stmt = (select(RoleGrant, Role).outerjoin(Role, Role.id == RoleGrant.role_id)
            .where(RoleGrant.user_id == user_id).order_by(RoleGrant.id))
    return [(g, r) for g, r in (await db.execute(stmt)).all()]


async def grants_page(db: AsyncSession, actor: Actor, page: PageParams, *,
                      role_id: int | None = None, builtin: str | None = None
                      ) -> list[tuple[RoleGrant, Role | None]]:
    """Grants of the users the actor may see (OKI-10: who holds which role)."""
    stmt = scoped(select(RoleGrant, Role).outerjoin(Role, Role.id == RoleGrant.role_id)
                  .join(User, User.id == RoleGrant.user_id), actor)
    if role_id is not None:
        stmt = stmt.where(RoleGrant.role_id == role_id)
    if builtin is not None:
        stmt = stmt.where(RoleGrant.builtin == builtin)
    return [(g, r) for g, r in (await db.execute(paginate(stmt, RoleGrant.id, page))).all()]


async def grant(db: AsyncSession, user_id: int, grant_id: int) -> RoleGrant | None:
    stmt = select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.id == grant_id)
    return (await db.execute(stmt)).scalar()


async def grant_exists(db: AsyncSession, *, user_id: int, role_id: int | None,
                       builtin: str | None, project_id: int | None) -> bool:
    stmt = select(RoleGrant.id).where(
        RoleGrant.user_id == user_id,
        RoleGrant.role_id.is_(None) if role_id is None else RoleGrant.role_id == role_id,
        RoleGrant.builtin.is_(None) if builtin is None else RoleGrant.builtin == builtin,
        RoleGrant.project_id.is_(None) if project_id is None
        else RoleGrant.project_id == project_id,
    )
    return (await db.execute(stmt)).first() is not None


# --- per-person permission overrides (FCC-22/23) --------------------------------------------

async def overrides_of(db: AsyncSession, user_id: int) -> tuple[set[str], set[str]]:
    grants: set[str] = set()
    revokes: set[str] = set()
    stmt = select(PermissionOverride.permission, PermissionOverride.effect).where(
        PermissionOverride.user_id == user_id)
    for perm, effect in await db.execute(stmt):
        (grants if effect == "grant" else revokes).add(perm)
    return grants, revokes


async def clear_overrides(db: AsyncSession, user_id: int) -> None:
    rows = (await db.execute(select(PermissionOverride).where(
        PermissionOverride.user_id == user_id))).scalars()
    for row in rows:
        await db.delete(row)  # row by row so the audit hook records each revocation
    await db.flush()


# --- data scopes (FCC-22, DAK-10, OKI-11) ---------------------------------------------------

async def supervised_user_ids(db: AsyncSession, supervisor_id: int) -> set[int]:
    """Users assigned to a supervisor directly or through a group it supervises."""
    direct = select(SupervisorAssignment.user_id.label("uid")).where(
        SupervisorAssignment.supervisor_id == supervisor_id,
        SupervisorAssignment.user_id.is_not(None))
    via_group = (select(GroupMember.user_id.label("uid"))
                 .join(SupervisorAssignment,
                       SupervisorAssignment.group_id == GroupMember.group_id)
                 .where(SupervisorAssignment.supervisor_id == supervisor_id))
    return {uid for (uid,) in await db.execute(union(direct, via_group))}


async def project_user_ids(db: AsyncSession, project_ids: set[int]) -> set[int]:
    """Users of projects: members themselves or members of a group of the project."""
    if not project_ids:
        return set()
    direct = select(ProjectMember.object_id.label("uid")).where(
        ProjectMember.project_id.in_(project_ids), ProjectMember.kind == "user")
    via_group = (select(GroupMember.user_id.label("uid"))
                 .join(ProjectMember, (ProjectMember.object_id == GroupMember.group_id)
                       & (ProjectMember.kind == "group"))
                 .where(ProjectMember.project_id.in_(project_ids)))
    return {uid for (uid,) in await db.execute(union(direct, via_group))}


async def assignments_of(db: AsyncSession, supervisor_id: int) -> tuple[list[int], list[int]]:
    stmt = select(SupervisorAssignment.user_id, SupervisorAssignment.group_id).where(
        SupervisorAssignment.supervisor_id == supervisor_id).order_by(SupervisorAssignment.id)
    users, groups = [], []
    for uid, gid in await db.execute(stmt):
        (users.append(uid) if uid is not None else groups.append(gid))
    return users, groups


async def clear_assignments(db: AsyncSession, supervisor_id: int) -> None:
    rows = (await db.execute(select(SupervisorAssignment).where(
        SupervisorAssignment.supervisor_id == supervisor_id))).scalars()
    for row in rows:
        await db.delete(row)
    await db.flush()


async def supervised_queue_ids(db: AsyncSession, supervisor_id: int) -> set[int]:
    """Queues and campaigns assigned to a supervisor (FCC-22, DAK-10)."""
    stmt = select(SupervisedQueue.queue_id).where(SupervisedQueue.supervisor_id == supervisor_id)
    return {i for (i,) in await db.execute(stmt)}


async def member_queue_ids(db: AsyncSession, user_id: int) -> set[int]:
    """Queues and campaigns a user is a member of (OKI-32)."""
    stmt = select(QueueMember.queue_id).where(QueueMember.user_id == user_id)
    return {i for (i,) in await db.execute(stmt)}


async def queue_assignments_of(db: AsyncSession, supervisor_id: int
                               ) -> tuple[list[int], list[int]]:
    """The queues and the campaigns assigned to a supervisor, by id."""
    stmt = (select(Queue.id, Queue.kind)
            .join(SupervisedQueue, SupervisedQueue.queue_id == Queue.id)
            .where(SupervisedQueue.supervisor_id == supervisor_id).order_by(Queue.id))
    queues, campaigns = [], []
    for qid, kind in await db.execute(stmt):
        (queues if kind == "queue" else campaigns).append(qid)
    return queues, campaigns


async def clear_queue_assignments(db: AsyncSession, supervisor_id: int) -> None:
    rows = (await db.execute(select(SupervisedQueue).where(
        SupervisedQueue.supervisor_id == supervisor_id))).scalars()
    for row in rows:
        await db.delete(row)
    await db.flush()


async def queues_in_tenant(db: AsyncSession, tenant_id: int, kind: str, ids: set[int]
                           ) -> set[int]:
    if not ids:
        return set()
    stmt = select(Queue.id).where(Queue.tenant_id == tenant_id, Queue.kind == kind,
                                  Queue.id.in_(ids))
    return {i for (i,) in await db.execute(stmt)}


async def users_in_tenant(db: AsyncSession, tenant_id: int, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    stmt = select(User.id).where(User.tenant_id == tenant_id, User.id.in_(ids))
    return {i for (i,) in await db.execute(stmt)}


# --- SIPL-11 call visibility ----------------------------------------------------------------

async def call_extensions(db: AsyncSession, user_id: int) -> list[str]:
    stmt = (select(CallVisibility.extension).where(CallVisibility.user_id == user_id)
            .order_by(CallVisibility.extension))
    return [e for (e,) in await db.execute(stmt)]


async def clear_call_extensions(db: AsyncSession, user_id: int) -> None:
    rows = (await db.execute(select(CallVisibility).where(
        CallVisibility.user_id == user_id))).scalars()
    for row in rows:
        await db.delete(row)
    await db.flush()


# --- administrators (last-administrator protection) -----------------------------------------

async def active_administrators(db: AsyncSession, tenant_id: int) -> int:
    stmt = (select(func.count()).select_from(UserRole)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.tenant_id == tenant_id, UserRole.role == "administrator",
                   User.active.is_(True)))
    return (await db.execute(stmt)).scalar_one()
