from __future__ import annotations

from typing import Annotated

from fastapi import Response

from roster.core.errors import found
from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import Id, tenant_router
from roster.core.uow import DB
from roster.domains.skills import repository as repo
from roster.domains.skills import service
from roster.domains.skills.schemas import (
    LevelIn,
    SkillCreate,
    SkillOut,
    SkillUpdate,
    UserSkillIn,
    UserSkillOut,
)
from roster.domains.users import service as users

router = tenant_router("", ["skills"])


async def _skill(db, actor: Actor, skill_id: Id):
    return found(await repo.get(db, actor.tenant_id, skill_id), "skill")


@router.post("/skills", status_code=201, response_model=SkillOut)
async def create_skill(body: SkillCreate, db: DB, response: Response,
                       actor: Annotated[Actor, Requires("skills.manage")]) -> SkillOut:
    skill = await service.create_skill(db, tenant_id=actor.tenant_id, data=body)
    response.headers["Location"] = f"/api/v1/tenants/{actor.tenant.slug}/skills/{skill.id}"
    return SkillOut.model_validate(skill)


@router.get("/skills", response_model=Page[SkillOut])
async def list_skills(db: DB, actor: Annotated[Actor, Requires("skills.read")],
                      page: Paging) -> Page[SkillOut]:
    rows, cursor = page_of(await repo.list_page(db, actor.tenant_id, page), page)
    return Page(items=[SkillOut.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/skills/{skill_id}", response_model=SkillOut)
async def get_skill(skill_id: Id, db: DB,
                    actor: Annotated[Actor, Requires("skills.read")]) -> SkillOut:
    return SkillOut.model_validate(await _skill(db, actor, skill_id))


@router.patch("/skills/{skill_id}", response_model=SkillOut)
async def update_skill(skill_id: Id, body: SkillUpdate, db: DB,
                       actor: Annotated[Actor, Requires("skills.manage")]) -> SkillOut:
    skill = await service.update_skill(db, skill=await _skill(db, actor, skill_id), data=body)
    return SkillOut.model_validate(skill)


@router.delete("/skills/{skill_id}", status_code=204)
async def delete_skill(skill_id: Id, db: DB,
                       actor: Annotated[Actor, Requires("skills.manage")]) -> Response:
    await service.delete_skill(db, skill=await _skill(db, actor, skill_id))
    return Response(status_code=204)


@router.get("/users/{user_id}/skills", response_model=list[UserSkillOut])
async def user_skills(user_id: Id, db: DB,
                      actor: Annotated[Actor, Requires("users.read")]) -> list[UserSkillOut]:
    user = await users.get_user(db, actor=actor, user_id=user_id)
    (out,) = await users.render(db, tenant=actor.tenant, users=[user])
    return [UserSkillOut(skill=s.skill, level=s.level) for s in out.skills]


@router.put("/users/{user_id}/skills", response_model=list[UserSkillOut])
async def replace_user_skills(user_id: Id, body: list[UserSkillIn], db: DB,
                              actor: Annotated[Actor, Requires("users.update")]
                              ) -> list[UserSkillOut]:
    user = await users.get_user(db, actor=actor, user_id=user_id)
    pairs = await service.replace_user_skills(db, user=user, items=body)
    return [UserSkillOut(skill=n, level=lv) for n, lv in pairs]


@router.put("/users/{user_id}/skills/{skill_id}", response_model=UserSkillOut)
async def set_user_skill(user_id: Id, skill_id: Id, body: LevelIn, db: DB,
                         actor: Annotated[Actor, Requires("users.update")]) -> UserSkillOut:
    user = await users.get_user(db, actor=actor, user_id=user_id)
    skill = await _skill(db, actor, skill_id)
    await service.set_user_skill(db, user=user, skill=skill, level=body.level)
    return UserSkillOut(skill=skill.name, level=body.level)


@router.delete("/users/{user_id}/skills/{skill_id}", status_code=204)
async def remove_user_skill(user_id: Id, skill_id: Id, db: DB,
                            actor: Annotated[Actor, Requires("users.update")]) -> Response:
    user = await users.get_user(db, actor=actor, user_id=user_id)
    await service.remove_user_skill(db, user=user, skill=await _skill(db, actor, skill_id))
    return Response(status_code=204)
