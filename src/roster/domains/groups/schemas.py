from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from roster.core.schemas import PatchInput

Strict = ConfigDict(strict=True, extra="forbid")
# Documented here, checked by rules.check_color so the refusal carries its own code.
COLOR_PATTERN = "^#[0-9A-Fa-f]{6}$"


class GroupCreate(BaseModel):
    model_config = Strict

    name: str = Field(min_length=1, max_length=80)
    color: str = Field(default="#607D8B", max_length=7, examples=["#1E88E5"],
                       json_schema_extra={"pattern": COLOR_PATTERN})
    description: str | None = Field(default=None, max_length=500)


class GroupUpdate(PatchInput):

    name: str | None = Field(default=None, min_length=1, max_length=80)
    color: str | None = Field(default=None, max_length=7,
                              json_schema_extra={"pattern": COLOR_PATTERN})
    description: str | None = Field(default=None, max_length=500)


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    color: str
    description: str | None


class MemberIn(BaseModel):
    model_config = Strict

    user_id: int = Field(ge=1, le=2_147_483_647)


class MemberOut(BaseModel):
    user_id: int
    full_name: str
    login: str
