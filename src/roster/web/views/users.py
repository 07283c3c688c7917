"""Users: the list (search, filters, sorting, paging, bulk actions) and the user form in the
seeds' tabs (X-UI1: FCC §1-6, OKI, SIPL, DAK, WEB), each tab saved through the services the API
uses, in one transaction per request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Query, Request, UploadFile

from roster.core.errors import FieldError, Problem, invalid
from roster.core.pagination import PageParams, page_of
from roster.core.permissions import CATALOGUE
from roster.domains.access import repository as access_repo
from roster.domains.access import rules as access_rules
from roster.domains.access import service as access
from roster.domains.audit import repository as audit_repo
from roster.domains.devices import rules as device_rules
from roster.domains.devices import service as devices
from roster.domains.devices.schemas import DeviceCreate, DeviceUpdate
from roster.domains.groups import repository as groups_repo
from roster.domains.groups import service as groups
from roster.domains.numbers import repository as numbers_repo
from roster.domains.projects import repository as projects_repo
from roster.domains.projects import service as projects
from roster.domains.projects.schemas import ProjectMemberIn
from roster.domains.queues import repository as queues_repo
from roster.domains.queues import rules as queue_rules
from roster.domains.queues import service as queues
from roster.domains.skills import repository as skills_repo
from roster.domains.skills import service as skills
from roster.domains.skills.schemas import UserSkillIn
from roster.domains.users import repository as users_repo
from roster.domains.users import service as users
from roster.domains.users.repository import UserFilters
from roster.domains.users.rules import ROLES
from roster.domains.users.schemas import UserCreate, UserOut, UserWrite
from roster.web import forms, i18n
from roster.web.panel import (
    Allowed,
    Panel,
    attempt_parse,
    field_errors,
    is_htmx,
    panel_router,
    redirect,
    render,
)

router = panel_router()
Reader = Annotated[Panel, Allowed("users.read")]
PAGE_SIZE = 50

TABS = ("basic", "permissions", "interactions", "telephony", "skills", "queues", "changes")

# Basic tab (FCC-1..16) in the seeds' order.
BASIC_TEXT = ("full_name", "login", "mobile", "ms_teams_identity", "description", "email")
BASIC_FLAGS = ("requires_daily_login", "active", "visible", "panel_access", "mobile_app",
               "ms_teams", "keep_station_on_logout", "email_notifications",
               "ticket_update_notifications")
TEL_TEXT = ("external_number", "extension", "presentation_number", "blacklist", "whitelist",
            "emergency_location.region", "emergency_location.county",
            "emergency_location.commune", "contact.address", "contact.phone")
TEL_FLAGS = ("recording", "did_as_station", "data_transmission")
MEANS = ("web_workplace", "sip_phone", "work_number", "personal_number")
NEW_USER_DEFAULTS = {"active": True, "visible": True, "panel_access": True,
                     "email_notifications": True}


# --- the list ---------------------------------------------------------------------------------

SORTS = ("full_name", "login", "email", "extension")


async def _options(panel: Panel) -> dict[str, Any]:
    """The choices of the filters and bulk actions, each shown only to who may use it."""
    db, tid = panel.db, panel.tenant.id
    out: dict[str, Any] = {"groups": [], "projects": [], "queues": [], "campaigns": []}
    if panel.can("groups.read"):
        out["groups"] = await groups_repo.list_page(db, tid, forms.all_rows())
    if panel.can("projects.read"):
        out["projects"] = await projects_repo.list_page(db, tid, forms.all_rows())
    if panel.can("queues.read") or panel.can("campaigns.read"):
        rows = await queues_repo.list_both_kinds(db, panel.actor, forms.ALL)
        for kind, key in (("queue", "queues"), ("campaign", "campaigns")):
            if panel.can(f"{key}.read"):
                out[key] = [q for q in rows if q.kind == kind]
    return out


@router.get("/users")
async def users_list(
    panel: Reader, request: Request,
    q: Annotated[str | None, Query(max_length=200)] = None,
    role: Annotated[str | None, Query(max_length=40)] = None,
    group: Annotated[str | None, Query(max_length=12)] = None,
    project: Annotated[str | None, Query(max_length=12)] = None,
    active: Annotated[str | None, Query(max_length=3)] = None,
    sort: Annotated[str, Query(max_length=20)] = "full_name",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
):
    if sort.lstrip("-") not in SORTS:
        sort = "full_name"
    filters = UserFilters(
        q=q or None, role=role if role in ROLES else None,
        group_id=int(group) if group and group.isdigit() else None,
        project_id=int(project) if project and project.isdigit() else None,
        active={"1": True, "0": False}.get(active or ""), sort=sort)
    page = PageParams(limit=PAGE_SIZE, cursor=cursor or None)
    rows, next_cursor = page_of(await users.list_users(panel.db, actor=panel.actor,
                                                       filters=filters, page=page), page)
    items = await users.render(panel.db, tenant=panel.tenant, users=rows)
    args = {"q": q or "", "role": filters.role or "", "group": group or "",
            "project": project or "", "active": active or "", "sort": sort}
    values = dict(title=i18n.gettext("Users"), items=items, args=args,
                  next_cursor=next_cursor, first_page=cursor is None, roles=ROLES)
    if is_htmx(panel.request) and request.headers.get("HX-Target") == "users-table":
        return render(panel, "users/list.html", block="table", **values)
    return render(panel, "users/list.html", **(values | await _options(panel)))


@router.post("/users/bulk")
async def users_bulk(panel: Annotated[Panel, Allowed("users.update")], request: Request):
    """Bulk actions on the ticked users, all in one transaction (all or nothing)."""
    form = await request.form()
    ids = forms.ints(form, "ids")
    action = forms.text(form, "action")
    back = forms.text(form, "back") or "/users"
    back = back if back.startswith("/users") else "/users"
    if not ids:
        raise invalid(FieldError("ids", "required", "Tick at least one user."))
    targets = [await users.get_user(panel.db, actor=panel.actor, user_id=i) for i in ids]
    if action in ("activate", "deactivate"):
        data = UserWrite(active=action == "activate")
        # one batch through the write path: the same rules, one statement per table
        await users.update_users(panel.db, tenant=panel.tenant, actor=panel.actor,
                                 changes=[users.UserChange(u.id, data) for u in targets])
    elif action == "add_group":
        if not panel.can("groups.manage"):
            raise Problem(403, "Forbidden", "", code="forbidden")
        group = await groups_repo.get(panel.db, panel.tenant.id, forms.number(form, "group") or 0)
        if group is None:
            raise invalid(FieldError("group", "unknown_group", "No such group."))
        present = {u.id for u in await queues_repo.group_users(panel.db, panel.actor, group.id)}
        for user in targets:
            if user.id not in present:
                await groups.add_member(panel.db, group=group, user=user)
    elif action == "add_queue":
        kind_id = forms.text(form, "queue") or ""
        kind, _, qid = kind_id.partition(":")
        if kind not in ("queue", "campaign") or not panel.can(f"{kind}s.manage"):
            raise Problem(403, "Forbidden", "", code="forbidden")
        queue = await queues_repo.get(panel.db, panel.actor, kind, int(qid) if qid.isdigit()
                                      else 0)
        if queue is None:
            raise invalid(FieldError("queue", f"unknown_{kind}", "No such queue."))
        priority = forms.number(form, "priority")
        present = await queues_repo.member_ids(panel.db, queue.id)
        for user in targets:
            if user.id not in present:
                await queues.add_member(panel.db, queue=queue, user=user,
                                        priority=priority)
    else:
        raise invalid(FieldError("action", "invalid_choice", "Choose an action."))
    return redirect(back)


# --- the user form ----------------------------------------------------------------------------

async def _user(panel: Panel, user_id: int):
    user = await users.get_user(panel.db, actor=panel.actor, user_id=user_id)
    (out,) = await users.render(panel.db, tenant=panel.tenant, users=[user])
    return user, out


def _values(out: UserOut) -> dict[str, Any]:
    values = forms.flatten(out.model_dump(mode="json"))
    values["blacklist"] = ", ".join(out.blacklist)
    values["whitelist"] = ", ".join(out.whitelist)
    return values


def _tabs(panel: Panel) -> list[str]:
    shown = ["basic"]
    if panel.can("users.access.read"):
        shown.append("permissions")
    shown += ["interactions", "telephony", "skills"]
    if panel.can("queues.read") or panel.can("campaigns.read"):
        shown.append("queues")
    if panel.can("audit.read"):
        shown.append("changes")
    return shown


async def _tab_context(panel: Panel, tab: str, out: UserOut) -> dict[str, Any]:
    """What a tab shows besides the user itself (options, related rows)."""
    db, tid = panel.db, panel.tenant.id
    ctx: dict[str, Any] = {}
    if tab == "permissions":
        user = await users_repo.get_in_tenant(db, tid, out.id)
        ctx["access"] = await access.effective_access(db, user=user)
        ctx["custom_roles"] = await access_repo.roles_page(db, tid, forms.all_rows())
        ctx["projects"] = await projects_repo.list_page(db, tid, forms.all_rows())
        ctx["groups"] = await groups_repo.list_page(db, tid, forms.all_rows())
        ctx["queues"] = await queues_repo.list_page(db, panel.actor, "queue", forms.all_rows())
        ctx["campaigns"] = await queues_repo.list_page(db, panel.actor, "campaign",
                                                       forms.all_rows())
        people = await users.list_users(db, actor=panel.actor,
                                        filters=UserFilters(sort="full_name"),
                                        page=forms.all_rows())
        ctx["people"] = [(u.id, u.full_name) for u in people if u.id != out.id]
        ctx["catalogue"] = CATALOGUE
        ctx["tailored"] = bool(set(out.roles) & access_rules.TAILORED_KINDS)
        ctx["roles_by_id"] = {r.id: r.name for r in ctx["custom_roles"]}
        ctx["projects_by_id"] = {p.id: p.name for p in ctx["projects"]}
    elif tab == "telephony":
        free = await numbers_repo.list_page(db, tid, True, forms.all_rows())
        every = await numbers_repo.list_page(db, tid, None, forms.all_rows())
        ctx["free_numbers"] = sorted({n.number for n in free} | ({out.did} if out.did else set()))
        ctx["numbers"] = [n.number for n in every]
        if panel.can("devices.read"):
            user = await users_repo.get_in_tenant(db, tid, out.id)
            ctx["devices"] = devices.render(panel.tenant, user,
                                            await devices.list_devices(db, user=user))
            ctx["stun_turn"] = await devices.get_nat(db, user=user)
        ctx["device_kinds"] = device_rules.KINDS
        ctx["means"] = MEANS
    elif tab == "skills":
        ctx["skills"] = await skills_repo.list_page(db, tid, forms.all_rows())
        ctx["groups"] = await groups_repo.list_page(db, tid, forms.all_rows())
        ctx["levels"] = {s.skill: s.level for s in out.skills}
        ctx["member_of"] = {g.id for g in out.groups}
    elif tab == "queues":
        ctx["memberships"] = await queues_repo.memberships_of(db, panel.actor, out.id)
        ctx["queues"] = (await queues_repo.list_page(db, panel.actor, "queue", forms.all_rows())
                         if panel.can("queues.read") else [])
        ctx["campaigns"] = (await queues_repo.list_page(db, panel.actor, "campaign",
                                                        forms.all_rows())
                            if panel.can("campaigns.read") else [])
        ctx["priority_min"], ctx["priority_max"] = (queue_rules.PRIORITY_MIN,
                                                    queue_rules.PRIORITY_MAX)
    elif tab == "changes":
        filters = audit_repo.AuditFilters(entity="user", entity_id=str(out.id))
        ctx["entries"] = await audit_repo.list_page(db, tid, filters,
                                                    PageParams(limit=100, cursor=None),
                                                    newest_first=True)
    return ctx


async def _form(panel: Panel, user_id: int, tab: str, *, status: int = 200,
                values: dict | None = None, errors: dict | None = None,
                section: str | None = None, saved: bool = False):
    if tab not in _tabs(panel):
        raise Problem(404, "Not found", "", code="not_found")
    _, out = await _user(panel, user_id)
    if saved:
        panel.flashes.append(("success", i18n.gettext("Saved.")))
    ctx = await _tab_context(panel, tab, out)
    page = dict(title=out.full_name, user=out, tab=tab, tabs=_tabs(panel),
                values=values if values is not None else _values(out), errors=errors or {},
                section=section, is_new=False, **ctx)
    block = "tab" if panel.request.headers.get("HX-Target") == "tab-content" else None
    return render(panel, "users/form.html", status=status, block=block, **page)


@router.get("/users/new")
async def new_user(panel: Annotated[Panel, Allowed("users.create")]):
    return render(panel, "users/form.html", title=i18n.gettext("New user"), user=None,
                  tab="basic", tabs=["basic"], values={**NEW_USER_DEFAULTS,
                                                       "language": panel.tenant.default_language},
                  errors={}, is_new=True, section=None)


def _basic_payload(form, *, creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {k: forms.text(form, k) for k in BASIC_TEXT}
    # a box absent from the form (not merely unticked: a hidden "off" precedes each) keeps its
    # default, so a bare POST of a name and an e-mail creates a working user (OKI-40)
    data |= {k: forms.flag(form, k) for k in BASIC_FLAGS if k in form}
    data["language"] = forms.text(form, "language")
    for secret in ("agent_pin", "password"):  # empty: unchanged (secrets are never shown)
        if forms.text(form, secret):
            data[secret] = forms.text(form, secret)
    if creating:
        data = {k: v for k, v in data.items() if v is not None}
    return data


@router.post("/users/new")
async def create_user(panel: Annotated[Panel, Allowed("users.create")], request: Request):
    """OKI-40: a name and an e-mail are enough; the invitation leaves after commit."""
    form = await request.form()
    data = _basic_payload(form, creating=True)
    try:
        user = await users.create_user(panel.db, tenant=panel.tenant,
                                       data=attempt_parse(UserCreate, data), actor=panel.actor)
    except Problem as problem:
        values = {k: v for k, v in data.items() if k not in ("agent_pin", "password")}
        return render(panel, "users/form.html", status=422, title=i18n.gettext("New user"),
                      user=None, tab="basic", tabs=["basic"], values=values,
                      errors=field_errors(problem), is_new=True, section=None)
    return redirect(f"/users/{user.id}/basic?created=1")


@router.get("/users/{user_id:int}")
async def user_page(user_id: int, panel: Reader):
    return redirect(f"/users/{user_id}/basic")


@router.get("/users/{user_id:int}/{tab}")
async def user_tab(user_id: int, tab: str, panel: Reader, created: bool = False,
                   saved: bool = False):
    if created:
        panel.flashes.append(("success", i18n.gettext(
            "The user is created. An invitation to set a password goes to the e-mail "
            "address, if one was given.")))
    return await _form(panel, user_id, tab, saved=saved)


async def _save(panel: Panel, user_id: int, tab: str, payload: dict[str, Any],
                values: dict[str, Any], section: str | None = None):
    user, _ = await _user(panel, user_id)
    try:
        await users.update_user(panel.db, tenant=panel.tenant, user=user,
                                data=attempt_parse(UserWrite, forms.nest(payload)),
                                actor=panel.actor)
    except Problem as problem:
        return await _form(panel, user_id, tab, status=422, values=values,
                           errors=field_errors(problem), section=section)
    return redirect(f"/users/{user_id}/{tab}?saved=1", panel.request)


@router.post("/users/{user_id:int}/basic")
async def save_basic(user_id: int, panel: Annotated[Panel, Allowed("users.update")],
                     request: Request):
    form = await request.form()
    payload = _basic_payload(form, creating=False)
    values = {k: v for k, v in payload.items() if k not in ("agent_pin", "password")}
    return await _save(panel, user_id, "basic", payload, values)


@router.post("/users/{user_id:int}/interactions")
async def save_interactions(user_id: int, panel: Annotated[Panel, Allowed("users.update")],
                            request: Request):
    form = await request.form()
    payload = {f"interactions.{c}": forms.number(form, f"interactions.{c}")
               for c in ("email", "sms", "chat")}
    payload["interactions.call_blocks_other"] = forms.flag(form, "interactions.call_blocks_other")
    return await _save(panel, user_id, "interactions", payload, dict(payload))


@router.post("/users/{user_id:int}/telephony")
async def save_telephony(user_id: int, panel: Annotated[Panel, Allowed("users.update")],
                         request: Request):
    form = await request.form()
    payload: dict[str, Any] = {k: forms.text(form, k) for k in TEL_TEXT}
    payload |= {k: forms.flag(form, k) for k in TEL_FLAGS}
    payload["did"] = forms.text(form, "did")
    payload["blacklist"] = payload["blacklist"] or ""
    payload["whitelist"] = payload["whitelist"] or ""
    payload["communication_means"] = [m for m in form.getlist("communication_means")
                                      if isinstance(m, str)]
    if forms.text(form, "sip_password"):
        payload["sip_password"] = forms.text(form, "sip_password")
    values = {k: v for k, v in payload.items() if k != "sip_password"}
    return await _save(panel, user_id, "telephony", payload, values)


@router.post("/users/{user_id:int}/delete")
async def delete_user(user_id: int, panel: Annotated[Panel, Allowed("users.delete")]):
    user, _ = await _user(panel, user_id)
    await users.delete_user(panel.db, tenant=panel.tenant, user=user, actor=panel.actor)
    return redirect("/users")


# --- uploads (FCC-15, FCC-16) -----------------------------------------------------------------

@router.post("/users/{user_id:int}/media/{kind}")
async def upload(user_id: int, kind: str, panel: Annotated[Panel, Allowed("users.update")],
                 file: Annotated[UploadFile | None, File()] = None):
    if kind not in ("avatar", "greeting"):
        raise Problem(404, "Not found", "", code="not_found")
    user, _ = await _user(panel, user_id)
    try:
        if file is None or not file.filename:
            raise invalid(FieldError("file", "required", "Choose a file."))
        await users.set_media(panel.db, user=user, kind=kind, data=await file.read())
    except Problem as problem:
        errors = {kind: [m for msgs in field_errors(problem).values() for m in msgs]}
        return await _form(panel, user_id, "basic", status=422, errors=errors, section=kind)
    return redirect(f"/users/{user_id}/basic?saved=1")


@router.post("/users/{user_id:int}/media/{kind}/remove")
async def remove_media(user_id: int, kind: str,
                       panel: Annotated[Panel, Allowed("users.update")]):
    if kind not in ("avatar", "greeting"):
        raise Problem(404, "Not found", "", code="not_found")
    user, _ = await _user(panel, user_id)
    await users.clear_media(panel.db, user=user, kind=kind)
    return redirect(f"/users/{user_id}/basic?saved=1")


@router.get("/users/{user_id:int}/media/{kind}")
async def media(user_id: int, kind: str, panel: Reader):
    from fastapi.responses import FileResponse

    if kind not in ("avatar", "greeting"):
        raise Problem(404, "Not found", "", code="not_found")
    user, _ = await _user(panel, user_id)
    path, content_type = users.media_file(user, kind)
    return FileResponse(path, media_type=content_type,
                        headers={"Cache-Control": "private, no-store"})


# --- permissions tab (FCC-20..25, OKI-10/11, SIPL-10/11, DAK-10) ------------------------------

Manager = Annotated[Panel, Allowed("users.access.manage")]


async def _change(panel: Panel, user_id: int, tab: str, section: str, change,
                  prefix: str = "") -> Any:
    """Run one change of a tab's section through its service; a refusal redraws the tab with
    the errors beside their fields (``prefix`` keeps a section's fields apart)."""
    user = await users.get_user(panel.db, actor=panel.actor, user_id=user_id)
    try:
        await change(user)
    except Problem as problem:
        errors = {f"{prefix}{k}": v for k, v in field_errors(problem).items()}
        return await _form(panel, user_id, tab, status=problem.status
                           if problem.status in (403, 409, 422) else 422,
                           errors=errors, section=section)
    return redirect(f"/users/{user_id}/{tab}?saved=1#{section}", panel.request)


async def _access_change(panel: Panel, user_id: int, section: str, change) -> Any:
    return await _change(panel, user_id, "permissions", section, change)


@router.post("/users/{user_id:int}/permissions/roles")
async def save_roles(user_id: int, panel: Annotated[Panel, Allowed("users.update")],
                     request: Request):
    form = await request.form()
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    return await _save(panel, user_id, "permissions", {"roles": roles}, {"roles": roles},
                       section="roles")


@router.post("/users/{user_id:int}/permissions/grants")
async def add_grant(user_id: int, panel: Manager, request: Request):
    form = await request.form()
    role = forms.text(form, "role") or ""
    project = forms.number(form, "project_id")

    async def change(user):
        await access.grant_role(panel.db, actor=panel.actor, user=user,
                                role=role if not role.isdigit() else None,
                                role_id=int(role) if role.isdigit() else None,
                                project_id=project if isinstance(project, int) else None)

    return await _access_change(panel, user_id, "grants", change)


@router.post("/users/{user_id:int}/permissions/grants/{grant_id:int}/revoke")
async def revoke_grant(user_id: int, grant_id: int, panel: Manager):
    async def change(user):
        await access.revoke_grant(panel.db, actor=panel.actor, user=user, grant_id=grant_id)

    return await _access_change(panel, user_id, "grants", change)


@router.post("/users/{user_id:int}/permissions/rights")
async def save_rights(user_id: int, panel: Manager, request: Request):
    """FCC-22/23, SIPL-10: each permission as the role gives it, granted or revoked."""
    form = await request.form()
    grant, revoke = [], []
    for section, actions in CATALOGUE.items():
        for action in actions:
            choice = form.get(f"perm:{section}.{action}")
            if choice == "grant":
                grant.append(f"{section}.{action}")
            elif choice == "revoke":
                revoke.append(f"{section}.{action}")

    async def change(user):
        await access.set_overrides(panel.db, actor=panel.actor, user=user, grant=grant,
                                   revoke=revoke)

    return await _access_change(panel, user_id, "rights", change)


@router.post("/users/{user_id:int}/permissions/scope")
async def save_scope(user_id: int, panel: Manager, request: Request):
    """FCC-22, DAK-10: whom and what a supervisor sees and manages."""
    form = await request.form()

    async def change(user):
        await access.set_supervision(panel.db, actor=panel.actor, user=user,
                                     user_ids=forms.ints(form, "users"),
                                     group_ids=forms.ints(form, "groups"),
                                     queue_ids=forms.ints(form, "queues"),
                                     campaign_ids=forms.ints(form, "campaigns"))

    return await _access_change(panel, user_id, "scope", change)


@router.post("/users/{user_id:int}/permissions/projects")
async def save_projects(user_id: int, panel: Annotated[Panel, Allowed("projects.manage")],
                        request: Request):
    """OKI-11: the projects (departments) the user belongs to."""
    form = await request.form()
    wanted = set(forms.ints(form, "projects"))

    async def change(user):
        current = set(await projects_repo.projects_of_user(panel.db, user.id))
        for pid in sorted(wanted - current):
            project = await projects_repo.get(panel.db, panel.tenant.id, pid)
            if project is None:
                raise invalid(FieldError("projects", "unknown_project", "No such project."))
            await projects.add_member(panel.db, project=project,
                                      data=ProjectMemberIn(kind="user", id=user.id))
        for pid in sorted(current - wanted):
            project = await projects_repo.get(panel.db, panel.tenant.id, pid)
            await projects.remove_member(panel.db, project=project, kind="user",
                                         object_id=user.id)

    return await _access_change(panel, user_id, "projects", change)


@router.post("/users/{user_id:int}/permissions/calls")
async def save_call_visibility(user_id: int, panel: Manager, request: Request):
    """SIPL-11: the extensions whose calls this person may see and listen to."""
    form = await request.form()
    raw = forms.text(form, "extensions") or ""
    extensions = [e.strip() for e in raw.replace(";", ",").split(",") if e.strip()]

    async def change(user):
        await access.set_call_visibility(panel.db, actor=panel.actor, user=user,
                                         extensions=extensions)

    return await _access_change(panel, user_id, "calls", change)


# --- telephony: devices and ring chain (DAK-20), NAT (WEB-22) ---------------------------------

Devices = Annotated[Panel, Allowed("devices.manage")]


async def _device_change(panel: Panel, user_id: int, change) -> Any:
    return await _change(panel, user_id, "telephony", "devices", change, prefix="device.")


@router.post("/users/{user_id:int}/devices")
async def add_device(user_id: int, panel: Devices, request: Request):
    form = await request.form()
    body = {"kind": forms.text(form, "kind"), "target": forms.text(form, "target"),
            "ring_after_s": forms.number(form, "ring_after_s") or 0,
            "position": forms.number(form, "position") or 0, "enabled": True}

    async def change(user):
        await devices.add_device(panel.db, tenant=panel.tenant, user=user,
                                 data=attempt_parse(DeviceCreate, body))

    return await _device_change(panel, user_id, change)


@router.post("/users/{user_id:int}/devices/{device_id:int}")
async def update_device(user_id: int, device_id: int, panel: Devices, request: Request):
    form = await request.form()
    body = {"ring_after_s": forms.number(form, "ring_after_s"),
            "position": forms.number(form, "position"), "enabled": forms.flag(form, "enabled")}
    if "target" in form:
        body["target"] = forms.text(form, "target")

    async def change(user):
        device = await devices.get_device(panel.db, user=user, device_id=device_id)
        await devices.update_device(panel.db, tenant=panel.tenant, user=user, device=device,
                                    data=attempt_parse(DeviceUpdate, body))

    return await _device_change(panel, user_id, change)


@router.post("/users/{user_id:int}/devices/{device_id:int}/delete")
async def delete_device(user_id: int, device_id: int, panel: Devices):
    async def change(user):
        await devices.delete_device(panel.db, device=await devices.get_device(
            panel.db, user=user, device_id=device_id))

    return await _device_change(panel, user_id, change)


@router.post("/users/{user_id:int}/nat")
async def save_nat(user_id: int, panel: Devices, request: Request):
    form = await request.form()

    async def change(user):
        await devices.set_nat(panel.db, user=user, stun_turn=forms.flag(form, "stun_turn"))

    return await _device_change(panel, user_id, change)


# --- skills and groups (FCC-50/51, OKI-30) ----------------------------------------------------

@router.post("/users/{user_id:int}/skills")
async def save_skills(user_id: int, panel: Annotated[Panel, Allowed("users.update")],
                      request: Request):
    form = await request.form()
    items, values = [], {}
    for skill in await skills_repo.list_page(panel.db, panel.tenant.id, forms.all_rows()):
        level = forms.number(form, f"skill:{skill.id}")
        if level is not None:
            items.append({"skill": skill.name, "level": level})
            values[skill.name] = level
    user = await users.get_user(panel.db, actor=panel.actor, user_id=user_id)
    try:
        parsed = [attempt_parse(UserSkillIn, i) for i in items]
        await skills.replace_user_skills(panel.db, user=user, items=parsed)
    except Problem as problem:
        return await _form(panel, user_id, "skills", status=422,
                           errors={"skills": [m for ms in field_errors(problem).values()
                                              for m in ms]}, section="skills")
    return redirect(f"/users/{user_id}/skills?saved=1", panel.request)


@router.post("/users/{user_id:int}/groups")
async def save_groups(user_id: int, panel: Annotated[Panel, Allowed("groups.manage")],
                      request: Request):
    form = await request.form()
    wanted = set(forms.ints(form, "groups"))
    user, out = await _user(panel, user_id)
    current = {g.id for g in out.groups}
    for gid in sorted(wanted - current):
        group = await groups_repo.get(panel.db, panel.tenant.id, gid)
        if group is None:
            raise invalid(FieldError("groups", "unknown_group", "No such group."))
        await groups.add_member(panel.db, group=group, user=user)
    for gid in sorted(current - wanted):
        group = await groups_repo.get(panel.db, panel.tenant.id, gid)
        await groups.remove_member(panel.db, group=group, user_id=user.id)
    return redirect(f"/users/{user_id}/skills?saved=1#groups", panel.request)


# --- queues and campaigns (OKI-32) ------------------------------------------------------------

async def _queue(panel: Panel, ref: str | None, *, manage: bool = True):
    kind, _, qid = (ref or "").partition(":")
    if kind not in ("queue", "campaign"):
        raise invalid(FieldError("queue", "invalid_choice", "Choose a queue or a campaign."))
    if not panel.can(f"{kind}s.manage" if manage else f"{kind}s.read"):
        raise Problem(403, "Forbidden", "", code="forbidden")
    queue = await queues_repo.get(panel.db, panel.actor, kind, int(qid) if qid.isdigit() else 0)
    if queue is None:
        raise invalid(FieldError("queue", f"unknown_{kind}", "No such queue."))
    return queue


async def _membership_change(panel: Panel, user_id: int, change) -> Any:
    return await _change(panel, user_id, "queues", "queues", change)


@router.post("/users/{user_id:int}/queues")
async def add_to_queue(user_id: int, panel: Reader, request: Request):
    form = await request.form()

    async def change(user):
        queue = await _queue(panel, forms.text(form, "queue"))
        priority = forms.number(form, "priority")
        await queues.add_member(panel.db, queue=queue, user=user,
                                priority=priority)

    return await _membership_change(panel, user_id, change)


@router.post("/users/{user_id:int}/queues/{kind}/{queue_id:int}")
async def set_queue_priority(user_id: int, kind: str, queue_id: int, panel: Reader,
                             request: Request):
    form = await request.form()

    async def change(user):
        queue = await _queue(panel, f"{kind}:{queue_id}")
        if forms.text(form, "remove"):
            await queues.remove_member(panel.db, queue=queue, user_id=user.id)
            return
        priority = forms.number(form, "priority")
        await queues.set_priority(panel.db, queue=queue, user_id=user.id,
                                  priority=priority)

    return await _membership_change(panel, user_id, change)
