"""Reading HTML forms into the API's input shapes (no rule here: the services judge)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from roster.core.pagination import PageParams

# Everything of a small catalogue on one page (a form's options).
ALL = 500


def all_rows() -> PageParams:
    return PageParams(limit=ALL, cursor=None)


def text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def flag(form: FormData, name: str) -> bool:
    """A checkbox (a hidden "off" precedes it, so an unticked box is sent too)."""
    return "on" in form.getlist(name)


def number(form: FormData, name: str) -> int | str | None:
    """A whole number, or the text as typed (the schema then refuses it with its own code)."""
    value = text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def ints(form: FormData, name: str) -> list[int]:
    out = []
    for v in form.getlist(name):
        if isinstance(v, str) and v.isdigit() and 0 < int(v) < 2**31:
            out.append(int(v))
    return out


def nest(values: dict[str, Any]) -> dict[str, Any]:
    """{"a.b": 1} -> {"a": {"b": 1}}: the API's nested objects from flat form names."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        head, _, tail = key.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[key] = value
    return out


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}: an API object as form values."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
