from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.core.queries import taken
from roster.domains.skills.models import Skill, UserSkill

register_unique("uq_skills_tenant_id_name", "name", "skill_exists", "This skill exists already.")


async def get(db: AsyncSession, tenant_id: int, skill_id: int) -> Skill | None:
    return (await db.execute(select(Skill).where(Skill.tenant_id == tenant_id,
                                                 Skill.id == skill_id))).scalar()


async def by_names(db: AsyncSession, tenant_id: int, names: list[str]) -> dict[str, Skill]:
    rows = await db.execute(select(Skill).where(Skill.tenant_id == tenant_id,
                                                Skill.name.in_(names)))
    return {s.name: s for s in rows.scalars()}


async def name_taken(db: AsyncSession, tenant_id: int, name: str,
                     exclude: int | None) -> bool:
    return await taken(db, Skill, tenant_id=tenant_id, exclude_id=exclude, name=name)


async def list_page(db: AsyncSession, tenant_id: int, page: PageParams) -> list[Skill]:
    stmt = select(Skill).where(Skill.tenant_id == tenant_id)
    return list((await db.execute(paginate(stmt, Skill.id, page))).scalars())


async def of_user(db: AsyncSession, user_id: int) -> list[UserSkill]:
    return list((await db.execute(select(UserSkill).where(UserSkill.user_id == user_id)))
                .scalars())


async def user_skill(db: AsyncSession, user_id: int, skill_id: int) -> UserSkill | None:
    return await db.get(UserSkill, (user_id, skill_id))


async def clear_user(db: AsyncSession, user_id: int) -> None:
    await db.execute(delete(UserSkill).where(UserSkill.user_id == user_id))
