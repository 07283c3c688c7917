from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NumberCreate(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    number: str = Field(min_length=3, max_length=32, examples=["+48221234567"])


class NumberOut(BaseModel):
    id: int
    number: str
    assigned_to: int | None
