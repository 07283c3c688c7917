"""Mounts the panel on the application: static files, pages, and its own error pages for
addresses outside the API (the API keeps its problem+json answers)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from roster.web import panel
from roster.web.messages import N_

STATIC = Path(__file__).parent / "static"
# Where the API's own answers (problem+json) stay in force.
API_PREFIXES = ("/api/", "/scim/")

# The menu: (address, label, the permission that shows it). Tenant pages need a tenant.
NAV = [
    ("/users", N_("Users"), "users.read"),
    ("/roles", N_("Roles"), "roles.read"),
    ("/projects", N_("Projects"), "projects.read"),
    ("/skills", N_("Skills"), "skills.read"),
    ("/groups", N_("Groups"), "groups.read"),
    ("/queues", N_("Queues"), "queues.read"),
    ("/campaigns", N_("Campaigns"), "campaigns.read"),
    ("/numbers", N_("Numbers"), "numbers.read"),
    ("/audit", N_("Audit log"), "audit.read"),
    ("/settings", N_("Settings"), "settings.read"),
]
OPERATOR_NAV = [("/tenants", N_("Tenants"), "tenants.manage")]


def nav_items(p: panel.Panel) -> list[tuple[str, str, str]]:
    items = [i for i in NAV if p.tenant_name is not None and p.can(i[2])]
    return items + [i for i in OPERATOR_NAV if p.can(i[2])]


def install(app: FastAPI) -> None:
    from roster.web.views import auth, catalogues, users

    panel.env.globals["nav_items"] = nav_items
    app.mount(panel.STATIC_PREFIX, StaticFiles(directory=STATIC), name="static")
    for router in (auth.router, users.router, catalogues.router, catalogues.generic):
        app.include_router(router)

    api_http_handler = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith(API_PREFIXES):
            return await api_http_handler(request, exc)
        return panel.error_page(request, exc.status_code)

    app.exception_handlers[StarletteHTTPException] = http_error
