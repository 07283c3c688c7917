"""Problem details (RFC 9457): one exception type and the handlers that render it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from roster.core.routing import flat_routes

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str
    message: str
    # The index of the row of a batch (users.service.create_users/update_users) the error is about.
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "code": self.code, "message": self.message}
        if self.row is not None:
            out["row"] = self.row
        return out

    def at(self, row: int | None) -> FieldError:
        return replace(self, row=row)


@dataclass
class Problem(Exception):
    status: int
    title: str
    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    code: str = ""

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.status} {self.title}: {self.detail} {self.errors}"

    def without_rows(self) -> Problem:
        """The same problem about a single resource: its errors lose their batch row index."""
        return replace(self, errors=[e.at(None) for e in self.errors])


def invalid(*errors: FieldError) -> Problem:
    """422 with every field error at once."""
    return Problem(422, "Invalid input", "One or more fields are invalid.", list(errors))


def conflict(field_name: str, code: str, message: str) -> Problem:
    return Problem(409, "Conflict", message, [FieldError(field_name, code, message)], code=code)


def not_found(what: str = "resource") -> Problem:
    return Problem(404, "Not found", f"No such {what}.", code="not_found")


def found(obj, what: str):
    """``obj`` itself, or 404 when the look-up found nothing (get-or-404)."""
    if obj is None:
        raise not_found(what)
    return obj


def already_member(field_name: str, message: str = "Already a member.") -> Problem:
    """409 for adding to a group, queue or project something that is in it already."""
    return Problem(409, "Conflict", message, [FieldError(field_name, "already_member", message)],
                   code="already_member")


def null_errors(values: dict[str, Any], not_null: Iterable[str]) -> list[FieldError]:
    """A partial update may leave a field out, but not send null for one that needs a value."""
    return [FieldError(key, "required", "This field cannot be null.")
            for key in not_null if key in values and values[key] is None]


def refuse_nulls(values: dict[str, Any], not_null: Iterable[str]) -> None:
    errors = null_errors(values, not_null)
    if errors:
        raise invalid(*errors)


def unauthorized(detail: str = "Missing or invalid credentials.") -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"},
                   code="unauthorized")


def forbidden(permission: str = "") -> Problem:
    detail = f"Permission '{permission}' is required." if permission else "Not allowed."
    return Problem(403, "Forbidden", detail, code="forbidden")


def gone(detail: str) -> Problem:
    return Problem(410, "Gone", detail, code="gone")


class FieldErrors:
    """Collects field errors from rule checks, then raises them together."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field_name: str, code: str, message: str) -> None:
        self.items.append(FieldError(field_name, code, message))

    def extend(self, items: list[FieldError]) -> None:
        self.items.extend(items)

    def raise_if_any(self) -> None:
        if self.items:
            raise invalid(*self.items)


class RowErrors:
    """Errors of a batch, each with its row index: those about the input itself (422) and
    conflicts with what exists (409), raised together so one answer lists every row's errors."""

    def __init__(self) -> None:
        self.invalid: list[FieldError] = []
        self.conflicts: list[FieldError] = []

    def add(self, row: int, field_name: str, code: str, message: str, *,
            conflict: bool = False) -> None:
        (self.conflicts if conflict else self.invalid).append(
            FieldError(field_name, code, message, row))

    def extend(self, row: int, errors: Iterable[FieldError]) -> None:
        self.invalid.extend(e.at(row) for e in errors)

    def rows(self) -> set[int]:
        return {e.row for e in self.invalid + self.conflicts if e.row is not None}

    def __bool__(self) -> bool:
        return bool(self.invalid or self.conflicts)

    def problem(self) -> Problem:
        errors = sorted(self.invalid + self.conflicts, key=lambda e: (e.row or 0))
        codes = {e.code for e in errors}
        if self.invalid:
            return Problem(422, "Invalid input", "One or more fields are invalid.", errors,
                           code=codes.pop() if len(codes) == 1 else "")
        code = codes.pop() if len(codes) == 1 else "conflict"
        detail = errors[0].message if len(errors) == 1 else "Some values conflict with existing data."
        return Problem(409, "Conflict", detail, errors, code=code)

    def raise_if_any(self) -> None:
        if self:
            raise self.problem()


# Unique constraints whose violation is a user-facing conflict: name -> (field, code, message).
# Domains register theirs at import time so a race lost at the database still answers 409.
UNIQUE_CONFLICTS: dict[str, tuple[str, str, str, int]] = {}


def register_unique(constraint: str, field_name: str, code: str, message: str,
                    status: int = 409) -> None:
    """``status`` 422 for a value refused as invalid rather than as a conflict (a password
    another user holds must not be told apart from any other refused password)."""
    UNIQUE_CONFLICTS[constraint] = (field_name, code, message, status)


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w., ]+)")
_SQLITE_UNIQUE_INDEX = re.compile(r"UNIQUE constraint failed: index '(\w+)'")


def problem_from_integrity_error(exc: IntegrityError) -> Problem:
    orig = getattr(exc, "orig", None)
    name = getattr(orig, "constraint_name", None) or getattr(
        getattr(orig, "__cause__", None), "constraint_name", None
    )
    if name is None and (match := _SQLITE_UNIQUE_INDEX.search(str(orig))):
        name = match.group(1)
    if name is None:
        match = _SQLITE_UNIQUE.search(str(orig))
        if match:
            cols = [c.strip() for c in match.group(1).split(",")]
            table = cols[0].split(".")[0]
            name = f"uq_{table}_" + "_".join(c.split(".")[1] for c in cols)
    if name and name in UNIQUE_CONFLICTS:
        field_name, code, message, status = UNIQUE_CONFLICTS[name]
        if status == 422:
            return Problem(422, "Invalid input", "One or more fields are invalid.",
                           [FieldError(field_name, code, message)], code=code)
        return conflict(field_name, code, message)
    return Problem(409, "Conflict", "The change conflicts with existing data.", code="conflict")


def problem_response(problem: Problem) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"about:blank#{problem.code}" if problem.code else "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.code:
        body["code"] = problem.code
    if problem.errors:
        body["errors"] = [e.as_dict() for e in problem.errors]
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON,
                        headers=problem.headers or None)


_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "greater_than_equal": "too_small",
    "less_than_equal": "too_large",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "string_pattern_mismatch": "invalid_format",
    "value_error": "invalid",
    "json_invalid": "invalid_json",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def problem_from_validation(items: list[dict[str, Any]]) -> Problem:
    """422 for schema errors (pydantic's), with the API's field paths and error codes."""
    errors = []
    for err in items:
        ctx = err.get("ctx") or {}
        code = ctx.get("code") or _PYDANTIC_CODES.get(err["type"], err["type"])
        message = str(err.get("msg", "Invalid value.")).removeprefix("Value error, ")
        errors.append(FieldError(_field_path(tuple(err.get("loc", ()))), code, message))
    return invalid(*errors)


def _validation_problem(exc: RequestValidationError) -> Problem:
    return problem_from_validation(exc.errors())


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(_validation_problem(exc))

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return problem_response(problem_from_integrity_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Each method is its own route: list every method any route offers for this path.
            methods: set[str] = set()
            for route in flat_routes(request.app):
                match, _ = route.matches(request.scope)
                if match != Match.NONE:
                    methods |= getattr(route, "methods", None) or set()
            headers["Allow"] = ", ".join(sorted(methods))
        return problem_response(Problem(exc.status_code, str(exc.detail), str(exc.detail),
                                        code=codes.get(exc.status_code, "http_error"),
                                        headers=headers))
