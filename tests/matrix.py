"""The authorization matrix: every route of the application, taken from the app's router, called
by each kind of principal and judged against the permission the route declares.

Reusable: routes added later are walked automatically, and a route that declares no permission
(neither ``Requires`` nor ``Public``) fails the check.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi.routing import APIRoute

from roster.core.permissions import PublicAccess, RequiresPermission, declared_permission
from roster.core.routing import flat_routes

# FastAPI's own documentation routes: served to anybody, outside the API's permission model; the
# panel's static files (its pages have their own checks: tests/web).
DOC_PATHS = {"/api/v1/openapi.json", "/api/v1/docs", "/docs/oauth2-redirect", "/static"}
UNKNOWN_ID = "987654321"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


app_routes = flat_routes


@dataclass
class Caller:
    """A kind of principal: ``token()`` gives a fresh credential (None: anonymous)."""

    name: str
    token: Callable[[], Awaitable[str | None]]
    permissions: frozenset[str] = frozenset()
    tenant_slug: str | None = None  # the tenant the caller belongs to
    anonymous: bool = False


@dataclass
class Outcome:
    route: str
    caller: str
    expected: str
    status: int


@dataclass
class Report:
    checked: int = 0
    failures: list[Outcome] = field(default_factory=list)
    undeclared: list[str] = field(default_factory=list)
    unexpected_routes: list[str] = field(default_factory=list)


def fill_path(path: str, tenant_slug: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "tenant":
            return tenant_slug
        if name == "kind":
            return "user"
        if name == "key":
            return "rkey_not-a-real-key"
        return UNKNOWN_ID

    return _PARAM.sub(value, path)


def expectation(declared, caller: Caller, path: str, target_tenant: str) -> str:
    """allowed | 401 | 403 | 404 for this caller on this route."""
    if isinstance(declared, PublicAccess):
        return "allowed"
    if caller.anonymous:
        return "401"
    if "{tenant}" in path and caller.tenant_slug not in (None, target_tenant):
        return "404"  # another tenant's objects: never reveal they exist
    return "allowed" if declared.permission in caller.permissions else "403"


def judge(expected: str, status: int) -> bool:
    if expected == "allowed":
        # 503 is an honest answer when a dependency (the SIP registrar) is not running in the
        # API suite; any other 5xx is a server error and fails.
        return status not in (401, 403) and (status < 500 or status == 503)
    return status == int(expected)


async def walk(app, http, callers: list[Caller], *, target_tenant: str) -> Report:
    """Call every route as every caller; collect what does not match the declaration."""
    report = Report()
    from roster.web.panel import PanelRoute

    for route in app_routes(app):
        if isinstance(route, PanelRoute):
            continue  # panel pages: cookie sessions, judged by tests/web/test_panel.py
        if not isinstance(route, APIRoute):
            if route.path not in DOC_PATHS:
                report.unexpected_routes.append(route.path)
            continue
        declared = declared_permission(route)
        label = f"{','.join(sorted(route.methods))} {route.path}"
        if not isinstance(declared, RequiresPermission | PublicAccess):
            report.undeclared.append(label)
            continue
        url = fill_path(route.path, target_tenant)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            for caller in callers:
                token = await caller.token()
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
                r = await http.request(method, url, headers=headers, **kwargs)
                want = expectation(declared, caller, route.path, target_tenant)
                report.checked += 1
                if not judge(want, r.status_code):
                    report.failures.append(Outcome(label, caller.name, want, r.status_code))
    return report


def explain(report: Report) -> str:
    lines = [f"routes without a declared permission: {report.undeclared}"] if \
        report.undeclared else []
    if report.unexpected_routes:
        lines.append(f"routes outside the API: {report.unexpected_routes}")
    lines += [f"{f.route} as {f.caller}: expected {f.expected}, got {f.status}"
              for f in report.failures]
    return "\n".join(lines)


# --- escalation attempts and routes reaching one user --------------------------------------------

@dataclass
class Attempt:
    """One way of trying to widen one's rights or reach beyond one's scope, and the answers
    that mean it was refused."""

    what: str
    method: str
    url: str
    body: object = None
    refused: tuple[int, ...] = (403,)


async def try_all(http, attempts: list[Attempt]) -> list[str]:
    """Every attempt made; the ones not refused as expected, explained."""
    failures = []
    for a in attempts:
        kwargs = {} if a.body is None else {"json": a.body}
        r = await http.request(a.method, a.url, **kwargs)
        if r.status_code not in a.refused:
            failures.append(f"{a.what}: {a.method} {a.url} answered {r.status_code} "
                            f"(expected {a.refused}): {r.text[:300]}")
    return failures


def _example(schema: dict, components: dict) -> object:
    """The smallest value a JSON schema accepts (enough to get past body validation)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = schema.get("required") or list(props)[:max(1, schema.get("minProperties", 0))]
        return {k: _example(props[k], components) for k in required if k in props}
    if kind == "array":
        return [_example(schema.get("items", {}), components)
                for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if schema.get("format") == "email":
        return "someone@example.com"
    return "x" * max(1, schema.get("minLength", 1))


def request_body(openapi: dict, path: str, method: str) -> dict:
    """httpx keyword arguments for a minimal request body the route's schema accepts."""
    op = openapi["paths"][path][method.lower()]
    content = (op.get("requestBody") or {}).get("content", {})
    components = openapi.get("components", {}).get("schemas", {})
    out: dict = {}
    query = {p["name"]: _example(p.get("schema", {}), components)
             for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")}
    if query:
        out["params"] = query
    if "application/json" in content:
        out["json"] = _example(content["application/json"]["schema"], components)
    elif "multipart/form-data" in content:
        out["files"] = {"file": ("f.bin", b"\x00" * 8, "application/octet-stream")}
    return out


async def walk_user_routes(app, http, *, tenant_slug: str, user_id: int,
                           ids: dict[str, int]) -> list[tuple[str, int]]:
    """Call every route whose path names a user with ``user_id`` (other path ids from ``ids``)
    and a body its schema accepts; (route, status) for each call."""
    from roster.web.panel import PanelRoute

    openapi = app.openapi()
    seen = []
    for route in app_routes(app):
        if not isinstance(route, APIRoute) or "{user_id}" not in route.path_format:
            continue
        if isinstance(route, PanelRoute):
            continue  # panel pages: cookie sessions, judged by tests/web/test_panel.py

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name == "tenant":
                return tenant_slug
            if name == "user_id":
                return str(user_id)
            return str(ids.get(name, UNKNOWN_ID))

        url = _PARAM.sub(value, route.path)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            r = await http.request(method, url,
                                   **request_body(openapi, route.path_format, method))
            seen.append((f"{method} {route.path_format}", r.status_code))
    return seen
