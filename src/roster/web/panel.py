"""The panel's edge machinery: the route class (CSRF, transaction, error pages), who is signed
in, what they may do, and rendering.

Views stay thin: they parse the form, call the same services as the API and render. The route
class wraps the API's TransactionalRoute, so a panel request is one transaction committed at the
edge with side effects after commit, exactly like an API request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments import render_block
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from roster.core import context
from roster.core.errors import FieldError, Problem, problem_from_integrity_error, problem_from_validation
from roster.core.i18n import LANGUAGES
from roster.core.permissions import ALL_PERMISSIONS, Actor, Principal
from roster.core.uow import TransactionalRoute
from roster.domains.tenants.models import Tenant
from roster.web import i18n, session
from roster.web.messages import N_, error_text, label, section

log = logging.getLogger("roster.web")
TEMPLATES = Path(__file__).parent / "templates"
STATIC_PREFIX = "/static"

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                  extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True,
                              pgettext=i18n.pgettext)
def _query(args: dict, **overrides) -> str:
    """A query string from the list's arguments, some replaced; empty ones left out."""
    merged = {**args, **overrides}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


env.filters["pair_label"] = lambda key: (key, label(key))
env.filters["pair_name"] = lambda obj: (obj.id, obj.name)
env.filters["pair_self"] = lambda v: (v, v)
_EMPTY = (None, "", [], {})
# an audit diff shows a field when it has a value before or after
env.tests["shown"] = lambda key, before, after: (before.get(key) not in _EMPTY
                                                 or after.get(key) not in _EMPTY)
env.globals.update(query=_query, languages=LANGUAGES, native_names=i18n.NATIVE_NAMES, label=label,
                   section_name=section,
                   fmt_datetime=i18n.fmt_datetime, fmt_number=i18n.fmt_number,
                   static=STATIC_PREFIX)


class SignInNeeded(Exception):
    """Raised by a view's dependency: the visitor must sign in first."""


class ChooseTenant(Exception):
    """A platform operator opened a tenant page before choosing a tenant."""


@dataclass
class Panel:
    """The request as the panel sees it: the visitor's session, principal, tenant and language."""

    request: Request
    session: session.PanelSession
    principal: Principal | None = None
    tenant: Tenant | None = None
    # read when resolved: an error page is drawn after the rollback, when rows are expired
    tenant_name: str | None = None
    user_name: str | None = None
    language: str = i18n.DEFAULT
    changed: bool = False
    flashes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        assert self.principal is not None
        return Actor(self.principal, self.tenant)

    @property
    def db(self):
        return self.request.state.db

    @property
    def signed_in(self) -> bool:
        return self.principal is not None

    def can(self, permission: str) -> bool:
        return self.principal is not None and self.principal.can(permission)

    @property
    def csrf(self) -> str:
        return session.csrf_token(self.session)


async def _resolve(request: Request) -> Panel:
    from roster.domains.auth.service import principal_for_token
    from roster.domains.tenants import repository as tenants_repo
    from roster.domains.users.models import User

    db = request.state.db
    panel: Panel = request.state.panel
    s = panel.session
    query_lang = request.query_params.get("lang")
    if query_lang in LANGUAGES and query_lang != s.lang:
        s.lang, panel.changed = query_lang, True  # kept for the session
    user_language = None
    if s.token:
        principal = await principal_for_token(db, s.token)
        if principal is None:  # expired, revoked, or the user may no longer sign in
            s.token, s.tenant, panel.changed = None, None, True
        else:
            panel.principal = principal
            context.actor.set(principal.label())
            if principal.is_operator:
                panel.user_name = pgettext_operator()
                if s.tenant:
                    panel.tenant = await tenants_repo.get_by_slug(db, s.tenant)
            else:
                # Both rows were just read to resolve the principal: the session's identity map
                # answers these without another statement.
                panel.tenant = await db.get(Tenant, principal.tenant_id)
                user = await db.get(User, principal.subject_id)
                if user is not None:
                    panel.user_name, user_language = user.full_name, user.language
    panel.tenant_name = panel.tenant.name if panel.tenant is not None else None
    panel.language = i18n.choose(query=query_lang, kept=s.lang, user=user_language,
                                 accept=request.headers.get("accept-language"))
    i18n.set_language(panel.language)
    return panel


def pgettext_operator() -> str:
    return i18n.gettext("Platform operator")


async def public(request: Request) -> Panel:
    """A page anybody may open (sign-in, invitation, recovery)."""
    return await _resolve(request)


class PanelRequires:
    """Dependency: a signed-in visitor holding ``permission`` (else sign-in, else 403)."""

    def __init__(self, permission: str | None, *, tenant: bool = True) -> None:
        if permission is not None and permission not in ALL_PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        self.permission = permission
        self.tenant = tenant

    async def __call__(self, request: Request) -> Panel:
        panel = await _resolve(request)
        if panel.principal is None:
            raise SignInNeeded
        if self.tenant and panel.tenant is None:
            raise ChooseTenant
        if self.permission and not panel.can(self.permission):
            raise Problem(403, "Forbidden", "", code="forbidden")
        return panel


def Allowed(permission: str | None, *, tenant: bool = True) -> Any:  # noqa: N802
    """``panel: Annotated[Panel, Allowed("users.read")]``: what the page needs."""
    return Depends(PanelRequires(permission, tenant=tenant))


Public = Annotated[Panel, Depends(public)]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(panel: Panel, template: str, status: int = 200, *, block: str | None = None,
           headers: dict[str, str] | None = None, **values) -> HTMLResponse:
    """A page, or only one block of it (an HTMX partial update)."""
    ctx = {"panel": panel, "request": panel.request, "csrf": panel.csrf,
           "lang": panel.language, "flashes": panel.flashes, **values}
    if block is not None:
        html = render_block(env, template, block, **ctx)
    else:
        html = env.get_template(template).render(**ctx)
    return HTMLResponse(html, status_code=status, headers=headers)


def redirect(url: str, request: Request | None = None) -> Response:
    """303 to ``url``; for HTMX a client-side redirect so the whole page changes."""
    if request is not None and is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def field_errors(problem: Problem) -> dict[str, list[str]]:
    """A refusal's errors by field, each in the visitor's language (translated by its code)."""
    out: dict[str, list[str]] = {}
    items = problem.errors or [FieldError("", problem.code or "conflict", problem.detail)]
    for e in items:
        out.setdefault(e.field or "", []).append(error_text(e.code, e.message))
    return out


def attempt_parse(model, data: dict):
    """Validate form input with the API's own schema; refusals as a Problem, like the API."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise problem_from_validation(exc.errors()) from None


_PAGE_TITLES = {401: N_("Sign in"), 403: N_("Not allowed"), 404: N_("Not found"),
                405: N_("Not allowed"), 409: N_("Conflict"), 410: N_("Link no longer valid"),
                422: N_("Not accepted"), 429: N_("Too many attempts"),
                500: N_("Something went wrong")}


def error_page(request: Request, status: int, detail: str | None = None) -> HTMLResponse:
    panel: Panel | None = getattr(request.state, "panel", None)
    if panel is None:
        panel = Panel(request, session.load(request))
    if not panel.language or panel.language == i18n.DEFAULT:
        panel.language = i18n.choose(query=request.query_params.get("lang"), kept=panel.session.lang,
                                     user=None, accept=request.headers.get("accept-language"))
        i18n.set_language(panel.language)
    return render(panel, "error.html", status=status, status_code=status,
                  title_key=_PAGE_TITLES.get(status, N_("Something went wrong")), detail=detail)


class PanelRoute(TransactionalRoute):
    """A panel page: CSRF checked first, one transaction, the panel's own error pages."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            s = session.load(request)
            panel = Panel(request, s, changed=request.cookies.get(session.COOKIE) is None)
            request.state.panel = panel
            i18n.set_language(i18n.choose(query=request.query_params.get("lang"), kept=s.lang,
                                          user=None,
                                          accept=request.headers.get("accept-language")))
            if request.method in session.UNSAFE:
                sent = request.headers.get(session.CSRF_HEADER)
                if sent is None:
                    try:
                        sent = (await request.form()).get(session.CSRF_FIELD)
                    except Exception:  # an unreadable body carries no token either
                        sent = None
                if not session.csrf_valid(s, sent if isinstance(sent, str) else None):
                    response = error_page(request, 403, i18n.gettext(
                        "The form has expired or did not come from this panel. "
                        "Reload the page and try again."))
                    return _finish(request, panel, response)
            try:
                response = await handler(request)
            except SignInNeeded:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = redirect(f"/login?next={quote(target, safe='')}", request)
            except ChooseTenant:
                response = redirect("/tenants", request)
            except IntegrityError as exc:
                response = error_page(request, 409, error_text(
                    problem_from_integrity_error(exc).code, ""))
            except Problem as problem:
                detail = None
                if problem.code not in ("forbidden", "not_found"):
                    detail = "; ".join(m for msgs in field_errors(problem).values() for m in msgs)
                response = error_page(request, problem.status, detail)
            return _finish(request, panel, response)

        return run


# Scripts only from the panel itself (no inline script anywhere); inline style attributes carry
# the groups' marker colours. Nobody frames the panel.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _finish(request: Request, panel: Panel, response: Response) -> Response:
    if panel.changed:
        session.save(request, response, panel.session)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Content-Language"] = panel.language
    return response


def panel_router() -> APIRouter:
    return APIRouter(route_class=PanelRoute, include_in_schema=False)
