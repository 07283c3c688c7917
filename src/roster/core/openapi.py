"""The OpenAPI document: every operation documents its problem+json error answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from roster.core.errors import PROBLEM_JSON

_ERRORS = {
    "400": "Malformed request body",
    "401": "Missing, invalid or expired credentials",
    "403": "Authenticated but not allowed",
    "404": "Unknown, or belongs to another tenant",
    "409": "Uniqueness or state conflict",
    "410": "Gone (used or expired link)",
    "422": "Invalid input: see errors[]",
    "429": "Too many attempts",
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"},
                               "message": {"type": "string"},
                               "row": {"type": "integer",
                                       "description": "the row of a batch the error is about"}},
            },
        },
    },
}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                             routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        ref = {"$ref": "#/components/schemas/Problem"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, text in _ERRORS.items():
                    responses[status] = {"description": responses.get(status, {}).get(
                        "description", text) if status != "422" else text,
                        "content": {PROBLEM_JSON: {"schema": ref}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
