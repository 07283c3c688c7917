from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from roster.core.schemas import IdRef

Strict = ConfigDict(strict=True, extra="forbid")


class ProjectCreate(BaseModel):
    model_config = Strict

    name: str = Field(min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=500)


class ProjectUpdate(BaseModel):
    model_config = Strict

    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=500)


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None


class ProjectMemberIn(BaseModel):
    """A user or a catalogue object that belongs to the project."""

    model_config = Strict

    kind: Literal["user", "group", "skill", "number"]
    id: IdRef


class ProjectMemberOut(BaseModel):
    kind: str
    id: int
