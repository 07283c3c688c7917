"""Project rules (OKI-11)."""

from __future__ import annotations

from roster.core.errors import FieldError

MEMBER_KINDS = ("user", "group", "skill", "number")


def check_name(name: str) -> list[FieldError]:
    if not name.strip():
        return [FieldError("name", "required", "A project needs a name.")]
    return []
