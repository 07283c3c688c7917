"""Signing in and out, switching the active role (FCC-20), the own profile (X-UI3), and the
pages behind the e-mailed links (OKI-40 invitation, FCC-14 recovery)."""

from __future__ import annotations

import secrets as pysecrets
from typing import Annotated

from fastapi import Form, Request

from roster.core.errors import FieldError, Problem, invalid
from roster.core.secrets import verify_password
from roster.domains.access import rules as access_rules
from roster.domains.auth import service as auth
from roster.domains.invitations import service as invitations
from roster.domains.users import repository as users_repo
from roster.domains.users import rules as user_rules
from roster.domains.users import service as users
from roster.domains.users.schemas import UserWrite
from roster.web import i18n
from roster.web.panel import (
    Allowed,
    Panel,
    Public,
    attempt_parse,
    field_errors,
    panel_router,
    redirect,
    render,
)

router = panel_router()
Text = Annotated[str, Form(max_length=256)]


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _address(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


def _signed_in(panel: Panel, token: str) -> None:
    panel.session.token = token
    panel.session.nonce = pysecrets.token_urlsafe(16)  # a new CSRF secret for the new session
    panel.changed = True


@router.get("/")
async def home(panel: Public):
    if not panel.signed_in:
        return redirect("/login")
    if panel.principal.is_operator and panel.tenant is None:
        return redirect("/tenants")
    return redirect("/users" if panel.can("users.read") else "/profile")


@router.get("/login")
async def login_page(panel: Public, next: str | None = None):
    if panel.signed_in:
        return redirect(_safe_next(next))
    return render(panel, "auth/login.html", title=i18n.gettext("Sign in"), values={},
                  errors={}, next=_safe_next(next))


@router.post("/login")
async def login(panel: Public, request: Request, tenant: Text = "", login: Text = "",
                password: Text = "", next: Text = "/"):
    values = {"tenant": tenant, "login": login}
    errors: dict[str, list[str]] = {}
    for key, value in (("tenant", tenant), ("login", login), ("password", password)):
        if not value:
            errors[key] = [i18n.gettext("This field is required.")]
    status = 422
    if not errors:
        try:
            issued = await auth.login(panel.db, tenant_slug=tenant.strip().lower(),
                                      login_name=login.strip(), password=password,
                                      address=_address(request))
        except Problem as problem:
            # As the API answers: one message for unknown login, wrong password, inactive user
            # or no panel access; a lock-out and an address limit say so (FCC-6).
            status = problem.status
            errors[""] = field_errors(Problem(problem.status, "", code=problem.code or
                                              "unauthorized")).get("", [])
        else:
            _signed_in(panel, issued.token)
            return redirect(_safe_next(next))
    return render(panel, "auth/login.html", status=status, title=i18n.gettext("Sign in"),
                  values=values, errors=errors, next=_safe_next(next))


@router.get("/login/operator")
async def operator_page(panel: Public):
    return render(panel, "auth/operator.html", title=i18n.gettext("Platform operator"),
                  errors={})


@router.post("/login/operator")
async def operator_login(panel: Public, token: Text = ""):
    try:
        issued = await auth.operator_session(panel.db, plain=token.strip())
    except Problem:
        return render(panel, "auth/operator.html", status=401,
                      title=i18n.gettext("Platform operator"),
                      errors={"": [i18n.gettext("Not a valid operator token.")]})
    _signed_in(panel, issued.token)
    panel.session.tenant = None
    return redirect("/tenants")


@router.post("/logout")
async def logout(panel: Annotated[Panel, Allowed(None, tenant=False)]):
    await auth.logout(panel.db, principal=panel.principal)
    panel.session.token = panel.session.tenant = None
    panel.changed = True
    return redirect("/login")


# --- FCC-20: change permissions -----------------------------------------------------------------

@router.get("/profile/role")
async def role_page(panel: Annotated[Panel, Allowed("profile.read")]):
    held = [r for r in access_rules.SIGN_IN_ORDER if r in panel.principal.roles]
    return render(panel, "auth/role.html", title=i18n.gettext("Change permissions"), held=held)


@router.post("/profile/role")
async def switch_role(panel: Annotated[Panel, Allowed("profile.read")], role: Text = ""):
    issued = await auth.switch_role(panel.db, principal=panel.principal, role=role)
    panel.session.token = issued.token
    panel.changed = True
    return redirect("/")


# --- X-UI3: own profile -------------------------------------------------------------------------

async def _roles_of(db, user) -> list[str]:
    from roster.domains.tenants.models import Tenant

    (out,) = await users.render(db, tenant=await db.get(Tenant, user.tenant_id), users=[user],
                                fresh=True)
    return out.roles


async def _me(panel: Panel):
    user = await users_repo.get_in_tenant(panel.db, panel.tenant.id, panel.principal.subject_id)
    (out,) = await users.render(panel.db, tenant=panel.tenant, users=[user], fresh=True)
    return user, out


async def _profile(panel: Panel, *, status=200, values=None, errors=None, pw_errors=None,
                   message=None):
    user, out = await _me(panel)
    sessions = await auth.sessions_of(panel.db, user_id=user.id)
    if message:
        panel.flashes.append(("success", message))
    return render(panel, "auth/profile.html", status=status, title=i18n.gettext("My profile"),
                  me=out, values=values or {"full_name": out.full_name, "email": out.email or "",
                                            "language": out.language},
                  errors=errors or {}, pw_errors=pw_errors or {}, sessions=sessions,
                  current_token=panel.principal.token_id,
                  policy=_policy(out.roles, ""))


def _policy(roles: list[str], password: str) -> list[tuple[str, bool]]:
    """FCC-13 as a checklist, judged by the same rule as the service."""
    codes = {e.code for e in user_rules.check_password(password, roles)}
    minimum = user_rules.password_min_length(roles)
    return [
        (i18n.gettext("At least %(n)d characters", n=minimum), "password_too_short" not in codes
         and bool(password)),
        (i18n.gettext("An upper-case letter"), "password_no_upper" not in codes),
        (i18n.gettext("A digit"), "password_no_digit" not in codes),
        (i18n.gettext("A special character"), "password_no_special" not in codes),
    ]


@router.get("/profile")
async def profile(panel: Annotated[Panel, Allowed("profile.read", tenant=False)]):
    if panel.principal.is_operator:
        return redirect("/tenants")
    return await _profile(panel)


@router.post("/profile")
async def save_profile(panel: Annotated[Panel, Allowed("profile.update")],
                       full_name: Text = "", email: Text = "", language: Text = "en"):
    values = {"full_name": full_name, "email": email, "language": language}
    user, _ = await _me(panel)
    try:
        data = attempt_parse(UserWrite, {"full_name": full_name.strip() or None,
                                         "email": email.strip() or None, "language": language})
        # Only these three fields, so no escalation is possible: the user edits itself.
        await users.update_user(panel.db, tenant=panel.tenant, user=user, data=data)
    except Problem as problem:
        return await _profile(panel, status=422, values=values, errors=field_errors(problem))
    panel.session.lang = None  # the saved setting speaks from now on (FCC-12)
    panel.changed = True
    i18n.set_language(language)
    panel.language = language
    return await _profile(panel, message=i18n.gettext("Your profile is saved."))


@router.post("/profile/password/check")
async def password_check(panel: Annotated[Panel, Allowed("profile.read")],
                         password: Annotated[str, Form(max_length=256)] = ""):
    """The policy as you type (FCC-13): the checklist, from the same rule as the service."""
    return render(panel, "auth/profile.html", block="policy",
                  policy=_policy(list(panel.principal.roles), password))


@router.post("/profile/password")
async def change_password(panel: Annotated[Panel, Allowed("profile.update")],
                          current: Text = "", password: Text = ""):
    user, _ = await _me(panel)
    try:
        if not await verify_password(user.password_hash, current):
            raise invalid(FieldError("current", "unauthorized", "Wrong password."))
        await users.update_user(panel.db, tenant=panel.tenant, user=user,
                                data=attempt_parse(UserWrite, {"password": password}))
    except Problem as problem:
        errors = field_errors(problem)
        if "current" in errors:
            errors["current"] = [i18n.gettext("This is not your current password.")]
        return await _profile(panel, status=422, pw_errors=errors)
    # A new password ends every session (the users service announces it); sign in again.
    panel.session.token = None
    panel.changed = True
    return redirect("/login")


@router.post("/profile/sessions/end-all")
async def end_all_sessions(panel: Annotated[Panel, Allowed("profile.read")]):
    await auth.logout_all(panel.db, principal=panel.principal)
    panel.session.token = None
    panel.changed = True
    return redirect("/login")


# --- OKI-40 invitation, FCC-14 recovery ---------------------------------------------------------

_LINK_HEADERS = {"Referrer-Policy": "no-referrer"}


@router.get("/set-password/{key}")
async def set_password_page(key: str, panel: Public):
    _, user = await invitations.usable_key(panel.db, key)
    if not panel.session.lang:
        i18n.set_language(user.language)
        panel.language = user.language
    return render(panel, "auth/set_password.html", title=i18n.gettext("Set your password"),
                  key=key, errors={}, done=False,
                  policy=_policy(await _roles_of(panel.db, user), ""),
                  headers=_LINK_HEADERS)


@router.post("/set-password/{key}")
async def set_password(key: str, panel: Public, password: Text = ""):
    _, user = await invitations.usable_key(panel.db, key)
    roles = await _roles_of(panel.db, user)
    if not panel.session.lang:
        i18n.set_language(user.language)
        panel.language = user.language
    try:
        await invitations.set_password(panel.db, plain=key, password=password)
    except Problem as problem:
        return render(panel, "auth/set_password.html", status=422,
                      title=i18n.gettext("Set your password"), key=key,
                      errors=field_errors(problem), done=False, policy=_policy(roles, password),
                      headers=_LINK_HEADERS)
    return render(panel, "auth/set_password.html", title=i18n.gettext("Set your password"),
                  key=key, errors={}, done=True, policy=[], headers=_LINK_HEADERS)


@router.post("/set-password/{key}/check")
async def set_password_check(key: str, panel: Public,
                             password: Annotated[str, Form(max_length=256)] = ""):
    _, user = await invitations.usable_key(panel.db, key)
    return render(panel, "auth/set_password.html", block="policy",
                  policy=_policy(await _roles_of(panel.db, user), password))


@router.get("/password-recovery")
async def recovery_page(panel: Public):
    return render(panel, "auth/recovery.html", title=i18n.gettext("Forgot your password?"),
                  sent=False, values={}, errors={})


@router.post("/password-recovery")
async def recovery(panel: Public, tenant: Text = "", email: Text = ""):
    if not tenant.strip() or not email.strip():
        errors = {k: [i18n.gettext("This field is required.")]
                  for k, v in (("tenant", tenant), ("email", email)) if not v.strip()}
        return render(panel, "auth/recovery.html", status=422,
                      title=i18n.gettext("Forgot your password?"), sent=False,
                      values={"tenant": tenant, "email": email}, errors=errors)
    # The same answer whether or not the address belongs to anyone (FCC-14).
    await invitations.request_recovery(panel.db, tenant_slug=tenant.strip().lower(),
                                       email=email.strip())
    return render(panel, "auth/recovery.html", title=i18n.gettext("Forgot your password?"),
                  sent=True, values={}, errors={})
