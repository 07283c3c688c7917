"""Skill rules (FCC-50): a level is 1-5; a skill appears once per user."""

from __future__ import annotations

from roster.core.errors import FieldError

LEVEL_MIN, LEVEL_MAX = 1, 5


def check_assignments(items: list[tuple[str, int]]) -> list[FieldError]:
    errors = []
    seen: set[str] = set()
    for i, (name, level) in enumerate(items):
        if not LEVEL_MIN <= level <= LEVEL_MAX:
            errors.append(FieldError(f"{i}.level", "level_out_of_range",
                                     f"A skill level is {LEVEL_MIN}-{LEVEL_MAX}."))
        if name in seen:
            errors.append(FieldError(f"{i}.skill", "duplicate_skill",
                                     f"Skill '{name}' is listed twice."))
        seen.add(name)
    return errors
