"""Statements over users. Row scoping ("readable by this actor") lives here, not in handlers."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.core.permissions import Actor
from roster.core.queries import one_of, serialise
from roster.domains.access.models import Role, RoleGrant
from roster.domains.groups.models import Group, GroupMember
from roster.domains.numbers.models import Number
from roster.domains.projects.models import ProjectMember
from roster.domains.queues.models import Queue
from roster.domains.skills.models import Skill, UserSkill
from roster.domains.stations.models import Station
from roster.domains.users.models import User, UserRole
from roster.domains.users.rules import PASSWORD_REFUSED, TAKEN

# A race lost at the database answers as the look-up would have (users/rules.py TAKEN).
register_unique("uq_users_tenant_id_login_ci", *TAKEN["login"])
register_unique("uq_users_tenant_id_email_ci", *TAKEN["email"])
register_unique("uq_users_tenant_id_extension", *TAKEN["extension"])
register_unique("uq_users_tenant_id_pin_digest", *TAKEN["pin"])
register_unique("uq_users_tenant_id_password_digest", *PASSWORD_REFUSED, status=422)
register_unique("uq_numbers_assigned_user_id", "did", "number_not_free",
                "This number is not free.")


def scoped(stmt: Select, actor: Actor) -> Select:
    """Restrict a statement over users to what the actor may see (tenant, then data scope)."""
    stmt = stmt.where(User.tenant_id == actor.tenant_id)
    scope = actor.principal.user_scope
    if scope is not None:
        stmt = stmt.where(User.id.in_(scope))
    return stmt


async def get(db: AsyncSession, actor: Actor, user_id: int) -> User | None:
    return (await db.execute(scoped(select(User), actor).where(User.id == user_id))).scalar()


async def get_in_tenant(db: AsyncSession, tenant_id: int, user_id: int) -> User | None:
    stmt = select(User).where(User.tenant_id == tenant_id, User.id == user_id)
    return (await db.execute(stmt)).scalar()


async def by_ids(db: AsyncSession, tenant_id: int, ids: Collection[int],
                actor: Actor | None = None) -> dict[int, User]:
    """Users of the tenant by id, within the actor's data scope when an actor is given; the
    objects of the session are refreshed (a batch may have written them with Core)."""
    if not ids:
        return {}
    stmt = select(User).where(User.tenant_id == tenant_id, one_of(db, User.id, ids))
    if actor is not None and actor.principal.user_scope is not None:
        stmt = stmt.where(one_of(db, User.id, set(ids) & actor.principal.user_scope))
    # the roles in the same statement (one round trip for a user and its roles)
    stmt = stmt.options(joinedload(User.role_rows)).execution_options(populate_existing=True)
    return {u.id: u for u in (await db.execute(stmt)).unique().scalars()}


# --- the set-based look-ups of a batch (one statement for all of them) -----------------------

def _kind(name: str):
    return literal(name).label("kind")


async def holders(db: AsyncSession, tenant_id: int, *, logins: Collection[str] = (),
                  emails: Collection[str] = (), extensions: Collection[str] = (),
                  pins: Collection[str] = (), passwords: Collection[str] = ()
                  ) -> list[tuple[str, str, int]]:
    """(kind, value, user id) of every unique value of these a user of the tenant holds
    already, stations' and queues' numbers counted as extensions (FCC-42: one namespace;
    user id 0).
    Logins and e-mails are compared lower-case. One statement: a UNION ALL of one index look-up
    per kind, each taking its whole set of values as one parameter."""
    station = literal(0, Integer)
    parts = []
    for kind, column, values in (
            ("login", func.lower(User.login), logins), ("email", func.lower(User.email), emails),
            ("extension", User.extension, extensions), ("pin", User.pin_digest, pins),
            ("password", User.password_digest, passwords)):
        if values:
            parts.append(select(_kind(kind), column, User.id)
                         .where(User.tenant_id == tenant_id, one_of(db, column, values)))
    if extensions:
        parts.append(select(_kind("extension"), Station.extension, station)
                     .where(Station.tenant_id == tenant_id,
                            one_of(db, Station.extension, extensions)))
        parts.append(select(_kind("extension"), Queue.extension, station)
                     .where(Queue.tenant_id == tenant_id, one_of(db, Queue.extension, extensions)))
    if not parts:
        return []
    return [tuple(r) for r in (await db.execute(union_all(*parts))).all()]


async def lock_extensions(db: AsyncSession, tenant_id: int, extensions: Iterable[str]) -> None:
    """Users' extensions and stations' numbers share a namespace no single unique index covers:
    writers of the same extensions wait for each other until commit (FCC-42)."""
    await serialise(db, f"extensions:{tenant_id}", extensions)


async def numbers_for(db: AsyncSession, tenant_id: int, numbers: Collection[str],
                      holders_of: Collection[int]) -> list[Number]:
    """The tenant's numbers among ``numbers`` and those assigned to ``holders_of``, locked until
    commit so two batches racing for one DID are serialised."""
    if not numbers and not holders_of:
        return []
    where = []
    if numbers:
        where.append(one_of(db, Number.number, numbers))
    if holders_of:
        where.append(one_of(db, Number.assigned_user_id, holders_of))
    stmt = (select(Number).where(Number.tenant_id == tenant_id, or_(*where))
            .with_for_update().execution_options(populate_existing=True))
    return list((await db.execute(stmt)).scalars())


# --- the batched writes -------------------------------------------------------------------

async def insert_users(db: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """One INSERT for all rows; their ids in row order."""
    result = await db.execute(insert(User).returning(User.id, sort_by_parameter_order=True),
                              rows)
    return [i for (i,) in result]


async def update_users(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One UPDATE per set of changed columns, each row with its id."""
    if rows:
        await db.execute(update(User), rows)


async def replace_roles(db: AsyncSession, *, clear: Collection[int],
                        rows: list[dict[str, Any]]) -> None:
    """Drop the roles of the users in ``clear``, then insert ``rows`` (user_id, role,
    tenant_id): two statements whatever the size of the batch."""
    if clear:
        await db.execute(delete(UserRole).where(one_of(db, UserRole.user_id, clear)))
    if rows:
        await db.execute(insert(UserRole), rows)


async def release_numbers(db: AsyncSession, number_ids: Collection[int]) -> None:
    if number_ids:
        await db.execute(update(Number).where(one_of(db, Number.id, number_ids))
                         .values(assigned_user_id=None))


async def assign_numbers(db: AsyncSession, pairs: list[tuple[int, int]]) -> None:
    """(number id, user id) pairs."""
    if pairs:
        await db.execute(update(Number), [{"id": n, "assigned_user_id": u} for n, u in pairs])


async def count_sip_lines(db: AsyncSession, *, tenant_id: int) -> int:
    stmt = select(func.count()).where(User.tenant_id == tenant_id, User.sip_ha1.is_not(None))
    return (await db.execute(stmt)).scalar_one()


@dataclass
class UserFilters:
    role: str | None = None
    group_id: int | None = None
    skill: str | None = None
    active: bool | None = None
    q: str | None = None
    project_id: int | None = None
    # a column of SORTABLE, "-" in front for descending; paging stays on the id cursor
    sort: str = "id"


# Columns a list may be sorted by (NULLs sort as empty text, so keyset paging stays total).
SORTABLE = {"id": User.id, "full_name": User.full_name, "login": User.login,
            "email": func.coalesce(User.email, ""), "extension": func.coalesce(User.extension, "")}


async def _sorted_page(db: AsyncSession, stmt: Select, sort: str, page: PageParams) -> Select:
    """Keyset paging in any SORTABLE order with the API's cursor unchanged (the id of the last
    row): the next page starts after that row's (sort key, id)."""
    descending = sort.startswith("-")
    key = SORTABLE.get(sort.lstrip("-"), User.id)
    if key is User.id:
        if not descending:
            return paginate(stmt, User.id, page)
        if page.after_id is not None:
            stmt = stmt.where(User.id < page.after_id)
        return stmt.order_by(User.id.desc()).limit(page.limit + 1)
    if page.after_id is not None:
        last = (await db.execute(select(key).where(User.id == page.after_id))).scalar()
        if last is not None:
            if descending:
                stmt = stmt.where(or_(key < last, and_(key == last, User.id < page.after_id)))
            else:
                stmt = stmt.where(or_(key > last, and_(key == last, User.id > page.after_id)))
    order = (key.desc(), User.id.desc()) if descending else (key, User.id)
    return stmt.order_by(*order).limit(page.limit + 1)


def _holding(tenant_id: int, role: str):
    return exists().where(UserRole.tenant_id == tenant_id, UserRole.role == role,
                          UserRole.user_id == User.id)


async def list_page(db: AsyncSession, actor: Actor, filters: UserFilters, page: PageParams
                    ) -> list[User]:
    stmt = scoped(select(User), actor)
    if filters.role:
        stmt = stmt.where(_holding(actor.tenant_id, filters.role))
    if filters.active is not None:
        stmt = stmt.where(User.active == filters.active)
    if filters.group_id is not None:
        stmt = stmt.where(exists().where(GroupMember.user_id == User.id,
                                         GroupMember.group_id == filters.group_id))
    if filters.skill:
        stmt = stmt.where(exists().where(UserSkill.user_id == User.id,
                                         UserSkill.skill_id == Skill.id,
                                         Skill.name == filters.skill))
    if filters.q:
        needle = filters.q.lower()
        stmt = stmt.where(
            func.lower(User.full_name).contains(needle, autoescape=True)
            | func.lower(User.login).contains(needle, autoescape=True)
            | func.lower(func.coalesce(User.email, "")).contains(needle, autoescape=True)
            | func.coalesce(User.extension, "").contains(needle, autoescape=True)
        )
    if filters.project_id is not None:
        # OKI-11: members of the project themselves or through one of its groups
        via_group = (select(GroupMember.user_id)
                     .join(ProjectMember, (ProjectMember.object_id == GroupMember.group_id)
                           & (ProjectMember.kind == "group"))
                     .where(ProjectMember.project_id == filters.project_id))
        direct = select(ProjectMember.object_id).where(
            ProjectMember.project_id == filters.project_id, ProjectMember.kind == "user")
        stmt = stmt.where(User.id.in_(direct) | User.id.in_(via_group))
    stmt = await _sorted_page(db, stmt, filters.sort, page)
    return list((await db.execute(stmt)).scalars())


@dataclass
class Related:
    dids: dict[int, str]
    skills: dict[int, list[tuple[str, int]]]
    groups: dict[int, list[tuple[int, str, str]]]
    granted_roles: dict[int, list[str]] = field(default_factory=dict)


async def related(db: AsyncSession, user_ids: list[int]) -> Related:
    """DIDs, skills, groups and granted roles of several users in four statements (no N+1)."""
    out = Related({}, {}, {})
    if not user_ids:
        return out
    for uid, number in await db.execute(
        select(Number.assigned_user_id, Number.number).where(Number.assigned_user_id.in_(user_ids))
    ):
        out.dids[uid] = number
    for uid, name, level in await db.execute(
        select(UserSkill.user_id, Skill.name, UserSkill.level)
        .join(Skill, Skill.id == UserSkill.skill_id)
        .where(UserSkill.user_id.in_(user_ids)).order_by(Skill.name)
    ):
        out.skills.setdefault(uid, []).append((name, level))
    for uid, gid, name, color in await db.execute(
        select(GroupMember.user_id, Group.id, Group.name, Group.color)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id.in_(user_ids)).order_by(Group.name)
    ):
        out.groups.setdefault(uid, []).append((gid, name, color))
    # OKI-10: users holding a role are marked in the user list (the built-in "operator" role or a
    # custom one), so the list shows who holds which role without a second request.
    for uid, builtin, name in await db.execute(
        select(RoleGrant.user_id, RoleGrant.builtin, Role.name)
        .outerjoin(Role, Role.id == RoleGrant.role_id)
        .where(RoleGrant.user_id.in_(user_ids)).order_by(RoleGrant.id)
    ):
        label = builtin or name
        if label and label not in out.granted_roles.get(uid, []):
            out.granted_roles.setdefault(uid, []).append(label)
    return out
