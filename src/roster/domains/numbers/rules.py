"""Number pool rules (FCC-40): numbers are E.164; an assigned number cannot leave the pool."""

from __future__ import annotations

from roster.core.errors import FieldError


def check_removable(assigned_user_id: int | None) -> list[FieldError]:
    if assigned_user_id is not None:
        return [FieldError("number", "number_assigned",
                           "The number is assigned to a user; unassign it first.")]
    return []
