from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from roster.core.schemas import PatchInput

Strict = ConfigDict(strict=True, extra="forbid")


class SkillCreate(BaseModel):
    model_config = Strict

    name: str = Field(min_length=1, max_length=80, examples=["english"])
    description: str | None = Field(default=None, max_length=500)


class SkillUpdate(PatchInput):

    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=500)


class SkillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None


class UserSkillIn(BaseModel):
    model_config = Strict

    skill: str = Field(min_length=1, max_length=80, description="Skill name from the catalogue")
    level: int = Field(ge=1, le=5)


class LevelIn(BaseModel):
    model_config = Strict

    level: int = Field(ge=1, le=5)


class UserSkillOut(BaseModel):
    skill: str
    level: int
