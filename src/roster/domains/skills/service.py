"""The skill catalogue and users' levels in it (FCC-50)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.catalogue import update_entry
from roster.core.errors import FieldError, conflict, found, invalid
from roster.domains.skills import repository as repo
from roster.domains.skills import rules
from roster.domains.skills.models import Skill, UserSkill
from roster.domains.skills.schemas import SkillCreate, SkillUpdate, UserSkillIn
from roster.domains.users.models import User


async def create_skill(db: AsyncSession, *, tenant_id: int, data: SkillCreate) -> Skill:
    """Add a skill to the catalogue."""
    if await repo.name_taken(db, tenant_id, data.name, None):
        raise conflict("name", "skill_exists", "This skill exists already.")
    skill = Skill(tenant_id=tenant_id, **data.model_dump())
    db.add(skill)
    await db.flush()
    return skill


async def update_skill(db: AsyncSession, *, skill: Skill, data: SkillUpdate) -> Skill:
    return await update_entry(
        db, skill, data.model_dump(exclude_unset=True),
        name_taken=lambda name: repo.name_taken(db, skill.tenant_id, name, skill.id),
        taken=("skill_exists", "This skill exists already."))


async def delete_skill(db: AsyncSession, *, skill: Skill) -> None:
    await db.delete(skill)
    await db.flush()


async def _resolve(db: AsyncSession, tenant_id: int, items: list[UserSkillIn]) -> dict[str, Skill]:
    errors = rules.check_assignments([(i.skill, i.level) for i in items])
    known = await repo.by_names(db, tenant_id, [i.skill for i in items])
    errors += [FieldError(f"{n}.skill", "unknown_skill",
                          f"Skill '{i.skill}' is not in the catalogue.")
               for n, i in enumerate(items) if i.skill not in known]
    if errors:
        raise invalid(*errors)
    return known


async def replace_user_skills(db: AsyncSession, *, user: User, items: list[UserSkillIn]
                              ) -> list[tuple[str, int]]:
    """Set the user's skills to exactly this list."""
    known = await _resolve(db, user.tenant_id, items)
    current = {us.skill_id: us for us in await repo.of_user(db, user.id)}
    wanted = {known[i.skill].id: i.level for i in items}
    for skill_id, row in current.items():
        if skill_id not in wanted:
            await db.delete(row)
        elif row.level != wanted[skill_id]:
            row.level = wanted[skill_id]
    for skill_id, level in wanted.items():
        if skill_id not in current:
            db.add(UserSkill(user_id=user.id, skill_id=skill_id, tenant_id=user.tenant_id,
                             level=level))
    await db.flush()
    return sorted((i.skill, i.level) for i in items)


async def set_user_skill(db: AsyncSession, *, user: User, skill: Skill, level: int) -> None:
    row = await repo.user_skill(db, user.id, skill.id)
    if row is None:
        db.add(UserSkill(user_id=user.id, skill_id=skill.id, tenant_id=user.tenant_id,
                         level=level))
    else:
        row.level = level
    await db.flush()


async def remove_user_skill(db: AsyncSession, *, user: User, skill: Skill) -> None:
    row = found(await repo.user_skill(db, user.id, skill.id), "skill of this user")
    await db.delete(row)
    await db.flush()
