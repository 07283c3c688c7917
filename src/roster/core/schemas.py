"""Base classes for request bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

STRICT = ConfigDict(strict=True, extra="forbid")


class StrictInput(BaseModel):
    """Strict types, no unknown fields."""

    model_config = STRICT


class PatchInput(StrictInput):
    """A partial update: only the fields sent change; an empty body is refused."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"minProperties": 1})

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.model_fields_set:
            raise PydanticCustomError("empty_update", "Send at least one field to change.")
        return self


MAX_ID = 2_147_483_647
# An identifier in a request body: positive and within the database's integer range.
IdRef = Annotated[int, Field(ge=1, le=MAX_ID)]
