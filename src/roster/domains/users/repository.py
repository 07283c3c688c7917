"""Statements over users. Row scoping ("readable by this actor") lives here, not in handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.core.permissions import Actor
from roster.domains.access.models import Role, RoleGrant
from roster.domains.groups.models import Group, GroupMember
from roster.domains.numbers.models import Number
from roster.domains.projects.models import ProjectMember
from roster.domains.skills.models import Skill, UserSkill
from roster.domains.users.models import User

register_unique("uq_users_tenant_id_login", "login", "login_taken", "This login is already used.")
register_unique("uq_users_tenant_id_email", "email", "email_taken",
                "This e-mail is already used by another user.")
register_unique("uq_users_tenant_id_extension", "extension", "extension_taken",
                "This extension is already used in the tenant.")
register_unique("uq_users_tenant_id_pin_digest", "agent_pin", "pin_taken",
                "This agent PIN is already used in the tenant.")
register_unique("uq_users_tenant_id_password_digest", "password", "password_not_unique",
                "Choose a different password.")
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


async def taken_columns(db: AsyncSession, tenant_id: int, exclude_id: int | None,
                        wanted: dict[str, str]) -> set[str]:
    """Which of these unique values another user of the tenant already holds, in one statement."""
    wanted = {k: v for k, v in wanted.items() if v is not None}
    if not wanted:
        return set()
    columns = {k: getattr(User, k) for k in wanted}
    stmt = select(*(columns[k] == v for k, v in wanted.items())).where(
        User.tenant_id == tenant_id, or_(*(columns[k] == v for k, v in wanted.items())))
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    taken: set[str] = set()
    for row in await db.execute(stmt.limit(len(wanted))):
        taken |= {k for k, hit in zip(wanted, row, strict=True) if hit}
    return taken


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


def _roles_contain(role: str):
    return (literal(",") + User.roles + literal(",")).contains(f",{role},", autoescape=True)


async def list_page(db: AsyncSession, actor: Actor, filters: UserFilters, page: PageParams
                    ) -> list[User]:
    stmt = scoped(select(User), actor)
    if filters.role:
        stmt = stmt.where(_roles_contain(filters.role))
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
