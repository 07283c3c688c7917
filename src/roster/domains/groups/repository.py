from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.core.queries import taken
from roster.domains.groups.models import Group, GroupMember
from roster.domains.users.models import User

register_unique("uq_groups_tenant_id_name", "name", "group_exists", "This group exists already.")


async def get(db: AsyncSession, tenant_id: int, group_id: int) -> Group | None:
    return (await db.execute(select(Group).where(Group.tenant_id == tenant_id,
                                                 Group.id == group_id))).scalar()


async def name_taken(db: AsyncSession, tenant_id: int, name: str,
                     exclude: int | None) -> bool:
    return await taken(db, Group, tenant_id=tenant_id, exclude_id=exclude, name=name)


async def list_page(db: AsyncSession, tenant_id: int, page: PageParams) -> list[Group]:
    stmt = select(Group).where(Group.tenant_id == tenant_id)
    return list((await db.execute(paginate(stmt, Group.id, page))).scalars())


async def member(db: AsyncSession, group_id: int, user_id: int) -> GroupMember | None:
    return await db.get(GroupMember, (group_id, user_id))


async def members_page(db: AsyncSession, group_id: int, page: PageParams
                       ) -> list[tuple[int, str, str]]:
    stmt = (select(User.id, User.full_name, User.login)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group_id))
    return [tuple(r) for r in (await db.execute(paginate(stmt, User.id, page))).all()]
