"""Group rules (OKI-30): a marker colour is #RRGGBB."""

from __future__ import annotations

import re

from roster.core.errors import FieldError

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def check_color(color: str) -> list[FieldError]:
    if not _COLOR.match(color):
        return [FieldError("color", "invalid_color", "A colour is written #RRGGBB.")]
    return []


def canonical_color(color: str) -> str:
    return color.upper()
