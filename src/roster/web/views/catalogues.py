"""Catalogue pages on a few generic templates (a list with a create form, an edit page with a
change log): skills, groups, projects, queues, campaigns, roles; then numbers, the audit log,
tenant settings and, for platform operators, tenants. Each page calls the API's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Query, Request

from roster.core.errors import FieldError, Problem, invalid
from roster.core.pagination import PageParams, page_of
from roster.core.permissions import CATALOGUE, PLATFORM_ONLY
from roster.domains.access import repository as access_repo
from roster.domains.access import service as access
from roster.domains.access.schemas import RoleCreate, RoleUpdate
from roster.domains.audit import repository as audit_repo
from roster.domains.groups import repository as groups_repo
from roster.domains.groups import service as groups
from roster.domains.groups.schemas import GroupCreate, GroupUpdate
from roster.domains.numbers import repository as numbers_repo
from roster.domains.numbers import service as numbers
from roster.domains.projects import repository as projects_repo
from roster.domains.projects import service as projects
from roster.domains.projects.schemas import ProjectCreate, ProjectUpdate
from roster.domains.queues import repository as queues_repo
from roster.domains.queues import rules as queue_rules
from roster.domains.queues import service as queues
from roster.domains.queues.schemas import CampaignCreate, CampaignUpdate, QueueCreate, QueueUpdate
from roster.domains.skills import repository as skills_repo
from roster.domains.skills import service as skills
from roster.domains.skills.schemas import SkillCreate, SkillUpdate
from roster.domains.tenants import repository as tenants_repo
from roster.domains.tenants import service as tenants
from roster.domains.tenants.schemas import TenantCreate, TenantUpdate
from roster.domains.users import repository as users_repo
from roster.domains.users import service as users
from roster.domains.users.repository import UserFilters
from roster.web import forms, i18n
from roster.web.messages import N_
from roster.web.panel import Allowed, Panel, attempt_parse, field_errors, panel_router, redirect, render

router = panel_router()
# /{name} pages: included after every fixed address (app.install), so they never shadow one.
generic = panel_router()


@dataclass
class Field:
    name: str
    kind: str = "text"  # text | textarea | color | select | check
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    hint: str | None = None


@dataclass
class Resource:
    """One catalogue: how its rows are listed, read, created, changed and removed."""

    path: str
    title: str
    one: str
    read: str
    manage: str
    fields: list[Field]
    columns: list[str]
    rows: Callable[[Panel], Awaitable[list[Any]]]
    get: Callable[[Panel, int], Awaitable[Any]]
    create: Callable[[Panel, dict], Awaitable[Any]]
    update: Callable[[Panel, Any, dict], Awaitable[Any]]
    delete: Callable[[Panel, Any], Awaitable[None]]
    members: str | None = None  # "queue" | "campaign" | "group": the edit page lists members
    audit_entity: str = ""


def _found(row):
    if row is None:
        raise Problem(404, "Not found", "", code="not_found")
    return row


def _payload(form, fields: list[Field], *, creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in fields:
        if f.kind == "check":
            data[f.name] = forms.flag(form, f.name)
        else:
            value = forms.text(form, f.name)
            if value is not None or not creating:
                data[f.name] = value
    return data


def _simple(path, title, one, section, schema_in, schema_up, fields, columns, *, repo, service,
            create_fn, update_fn, delete_fn, members=None, entity="") -> Resource:
    async def rows(panel: Panel):
        return await repo.list_page(panel.db, panel.tenant.id, forms.all_rows())

    async def get(panel: Panel, row_id: int):
        return _found(await repo.get(panel.db, panel.tenant.id, row_id))

    async def create(panel: Panel, data: dict):
        return await getattr(service, create_fn)(panel.db, tenant_id=panel.tenant.id,
                                                 data=attempt_parse(schema_in, data))

    async def update(panel: Panel, row, data: dict):
        return await getattr(service, update_fn)(panel.db, **{entity or section[:-1]: row},
                                                 data=attempt_parse(schema_up, data))

    async def delete(panel: Panel, row):
        await getattr(service, delete_fn)(panel.db, **{entity or section[:-1]: row})

    return Resource(path, title, one, f"{section}.read", f"{section}.manage", fields, columns,
                    rows, get, create, update, delete, members, entity or section[:-1])


def _queue_kind(kind: str, plural: str, title: str, one: str, schema_in, schema_up,
                fields, columns) -> Resource:
    async def rows(panel: Panel):
        return await queues_repo.list_page(panel.db, panel.actor, kind, forms.all_rows())

    async def get(panel: Panel, row_id: int):
        return _found(await queues_repo.get(panel.db, panel.actor, kind, row_id))

    async def create(panel: Panel, data: dict):
        return await queues.create(panel.db, actor=panel.actor, kind=kind,
                                   values=attempt_parse(schema_in, data).model_dump())

    async def update(panel: Panel, row, data: dict):
        return await queues.update(panel.db, actor=panel.actor, queue=row,
                                   values=attempt_parse(schema_up, data)
                                   .model_dump(exclude_unset=True))

    async def delete(panel: Panel, row):
        await queues.delete(panel.db, actor=panel.actor, queue=row)

    return Resource(f"/{plural}", title, one, f"{plural}.read", f"{plural}.manage", fields,
                    columns, rows, get, create, update, delete, kind, "queue")


def _roles() -> Resource:
    async def rows(panel: Panel):
        return await access_repo.roles_page(panel.db, panel.tenant.id, forms.all_rows())

    async def get(panel: Panel, row_id: int):
        return _found(await access_repo.get_role(panel.db, panel.tenant.id, row_id))

    async def create(panel: Panel, data: dict):
        return await access.create_role(panel.db, actor=panel.actor,
                                        data=attempt_parse(RoleCreate, data))

    async def update(panel: Panel, row, data: dict):
        return await access.update_role(panel.db, actor=panel.actor, role=row,
                                        data=attempt_parse(RoleUpdate, data))

    async def delete(panel: Panel, row):
        await access.delete_role(panel.db, actor=panel.actor, role=row)

    return Resource("/roles", N_("Roles"), N_("Role"), "roles.read", "roles.manage",
                    [Field("name", required=True), Field("description", "textarea"),
                     Field("permissions", "permissions")],
                    ["name", "description"], rows, get, create, update, delete,
                    audit_entity="role")


TEXT = Field("name", required=True)
DESCRIPTION = Field("description", "textarea")
RESOURCES: dict[str, Resource] = {r.path.strip("/"): r for r in (
    _simple("/skills", N_("Skills"), N_("Skill"), "skills", SkillCreate, SkillUpdate,
            [TEXT, DESCRIPTION], ["name", "description"], repo=skills_repo, service=skills,
            create_fn="create_skill", update_fn="update_skill", delete_fn="delete_skill"),
    _simple("/groups", N_("Groups"), N_("Group"), "groups", GroupCreate, GroupUpdate,
            [TEXT, Field("color", "color", required=True), DESCRIPTION],
            ["name", "color", "description"], repo=groups_repo, service=groups,
            create_fn="create_group", update_fn="update_group", delete_fn="delete_group",
            members="group"),
    _simple("/projects", N_("Projects"), N_("Project"), "projects", ProjectCreate,
            ProjectUpdate, [TEXT, DESCRIPTION], ["name", "description"], repo=projects_repo,
            service=projects, create_fn="create_project", update_fn="update_project",
            delete_fn="delete_project"),
    _queue_kind("queue", "queues", N_("Queues"), N_("Queue"), QueueCreate, QueueUpdate,
                [TEXT, Field("scenario")], ["name", "scenario"]),
    _queue_kind("campaign", "campaigns", N_("Campaigns"), N_("Campaign"), CampaignCreate,
                CampaignUpdate, [TEXT], ["name"]),
    _roles(),
)}


def _resource(name: str) -> Resource:
    resource = RESOURCES.get(name)
    if resource is None:
        raise Problem(404, "Not found", "", code="not_found")
    return resource


def _may(panel: Panel, permission: str) -> None:
    if not panel.can(permission):
        raise Problem(403, "Forbidden", "", code="forbidden")


def _row_values(resource: Resource, row) -> dict[str, Any]:
    values = {f.name: getattr(row, f.name, None) for f in resource.fields}
    if resource.path == "/roles":
        values["permissions"] = list(row.permissions or [])
    return values


def _grantable(panel: Panel) -> dict[str, list[str]]:
    """Section rights a role may carry, grouped by section (never platform-only ones)."""
    return {s: [a for a in actions if f"{s}.{a}" not in PLATFORM_ONLY]
            for s, actions in CATALOGUE.items() if s != "tenants"}


async def _list(panel: Panel, resource: Resource, *, status=200, values=None, errors=None):
    rows = await resource.rows(panel)
    return render(panel, "generic/list.html", status=status, title=i18n.gettext(resource.title),
                  resource=resource, rows=rows, values=values or {"color": "#607D8B"},
                  errors=errors or {}, may_manage=panel.can(resource.manage),
                  grantable=_grantable(panel))


async def _members(panel: Panel, resource: Resource, row) -> list[tuple[int, str, str, Any]]:
    page = forms.all_rows()
    if resource.members == "group":
        found = await groups_repo.members_page(panel.db, row.id, page)
        return [(i, n, lg, None) for i, n, lg in found]
    return [tuple(r) for r in await queues_repo.members_page(panel.db, row.id, page)]


async def _edit(panel: Panel, resource: Resource, row, *, status=200, values=None, errors=None,
                saved=False):
    if saved:
        panel.flashes.append(("success", i18n.gettext("Saved.")))
    extra: dict[str, Any] = {}
    if resource.members:
        extra["members"] = await _members(panel, resource, row)
        people = await users.list_users(panel.db, actor=panel.actor,
                                        filters=UserFilters(sort="full_name"),
                                        page=forms.all_rows())
        inside = {m[0] for m in extra["members"]}
        extra["candidates"] = [(u.id, u.full_name) for u in people if u.id not in inside]
        extra["all_groups"] = await groups_repo.list_page(panel.db, panel.tenant.id,
                                                          forms.all_rows())
        extra["priority_range"] = (queue_rules.PRIORITY_MIN, queue_rules.PRIORITY_MAX)
    if resource.path == "/roles":
        extra["holders"] = await access_repo.holders_count(panel.db, row.id)
    entries = []
    if panel.can("audit.read"):
        entries = await audit_repo.list_page(
            panel.db, panel.tenant.id, audit_repo.AuditFilters(entity=resource.audit_entity,
                                                              entity_id=str(row.id)),
            PageParams(limit=50, cursor=None), newest_first=True)
    return render(panel, "generic/edit.html", status=status, title=row.name, resource=resource,
                  row=row, values=values or _row_values(resource, row), errors=errors or {},
                  may_manage=panel.can(resource.manage), entries=entries,
                  grantable=_grantable(panel), **extra)


def _role_permissions(form) -> list[str]:
    return [p for p in form.getlist("permissions") if isinstance(p, str)]


@generic.get("/{name}")
async def catalogue(name: str, panel: Annotated[Panel, Allowed(None)]):
    resource = _resource(name)
    _may(panel, resource.read)
    return await _list(panel, resource)


@generic.post("/{name}")
async def create(name: str, panel: Annotated[Panel, Allowed(None)], request: Request):
    resource = _resource(name)
    _may(panel, resource.manage)
    form = await request.form()
    data = _payload(form, [f for f in resource.fields if f.kind != "permissions"],
                    creating=True)
    if resource.path == "/roles":
        data["permissions"] = _role_permissions(form)
    try:
        row = await resource.create(panel, data)
    except Problem as problem:
        return await _list(panel, resource, status=422, values=data,
                           errors=field_errors(problem))
    return redirect(f"{resource.path}/{row.id}")


@generic.get("/{name}/{row_id:int}")
async def edit(name: str, row_id: int, panel: Annotated[Panel, Allowed(None)],
               saved: bool = False):
    resource = _resource(name)
    _may(panel, resource.read)
    return await _edit(panel, resource, await resource.get(panel, row_id), saved=saved)


@generic.post("/{name}/{row_id:int}")
async def update(name: str, row_id: int, panel: Annotated[Panel, Allowed(None)],
                 request: Request):
    resource = _resource(name)
    _may(panel, resource.manage)
    row = await resource.get(panel, row_id)
    form = await request.form()
    data = _payload(form, [f for f in resource.fields if f.kind != "permissions"],
                    creating=False)
    if resource.path == "/roles":
        data["permissions"] = _role_permissions(form)
    before = _row_values(resource, row)
    try:
        await resource.update(panel, row, data)
    except Problem as problem:
        return await _edit(panel, resource, _Snapshot(row_id, before), status=422,
                           values=data, errors=field_errors(problem))
    return redirect(f"{resource.path}/{row_id}?saved=1")


@dataclass
class _Snapshot:
    """A row as it was read, for re-rendering after a refused change."""

    id: int
    values: dict

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


@generic.post("/{name}/{row_id:int}/delete")
async def delete(name: str, row_id: int, panel: Annotated[Panel, Allowed(None)]):
    resource = _resource(name)
    _may(panel, resource.manage)
    await resource.delete(panel, await resource.get(panel, row_id))
    return redirect(resource.path)


# --- members of groups, queues and campaigns (OKI-30, OKI-32) ----------------------------------

async def _with_members(panel: Panel, name: str, row_id: int):
    """A group, queue or campaign whose members the visitor manages."""
    resource = _resource(name)
    _may(panel, resource.manage)
    if not resource.members:
        raise Problem(404, "Not found", "", code="not_found")
    return resource, await resource.get(panel, row_id)


@generic.post("/{name}/{row_id:int}/members")
async def add_member(name: str, row_id: int, panel: Annotated[Panel, Allowed(None)],
                     request: Request):
    resource, row = await _with_members(panel, name, row_id)
    form = await request.form()
    try:
        if forms.text(form, "group"):  # OKI-30: a whole group at once
            group = await groups_repo.get(panel.db, panel.tenant.id,
                                          forms.number(form, "group") or 0)
            if group is None or resource.members == "group":
                raise invalid(FieldError("group", "unknown_group", "No such group."))
            await queues.add_group(panel.db, actor=panel.actor, queue=row, group=group,
                                   priority=forms.number(form, "priority"))
        else:
            user = await users_repo.get(panel.db, panel.actor, forms.number(form, "user_id")
                                        or 0)
            if user is None:
                raise invalid(FieldError("user_id", "unknown_user", "No such user."))
            if resource.members == "group":
                await groups.add_member(panel.db, group=row, user=user)
            else:
                await queues.add_member(panel.db, queue=row, user=user,
                                        priority=forms.number(form, "priority"))
    except Problem as problem:
        return await _edit(panel, resource, row, status=422, errors=field_errors(problem))
    return redirect(f"{resource.path}/{row_id}?saved=1#members")


@generic.post("/{name}/{row_id:int}/members/{user_id:int}")
async def change_member(name: str, row_id: int, user_id: int,
                        panel: Annotated[Panel, Allowed(None)], request: Request):
    resource, row = await _with_members(panel, name, row_id)
    form = await request.form()
    try:
        if forms.text(form, "remove"):
            if resource.members == "group":
                await groups.remove_member(panel.db, group=row, user_id=user_id)
            else:
                await queues.remove_member(panel.db, queue=row, user_id=user_id)
        else:
            await queues.set_priority(panel.db, queue=row, user_id=user_id,
                                      priority=forms.number(form, "priority"))
    except Problem as problem:
        return await _edit(panel, resource, row, status=422, errors=field_errors(problem))
    return redirect(f"{resource.path}/{row_id}?saved=1#members")


# --- numbers: the DID pool (FCC-40) -------------------------------------------------------------

async def _numbers(panel: Panel, show: str, *, status=200, values=None, errors=None):
    free = {"free": True, "assigned": False}.get(show)
    rows = await numbers_repo.list_page(panel.db, panel.tenant.id, free, forms.all_rows())
    holders = {}
    assigned = [n.assigned_user_id for n in rows if n.assigned_user_id]
    if assigned:
        for u in await users.list_users(panel.db, actor=panel.actor,
                                        filters=UserFilters(), page=forms.all_rows()):
            holders[u.id] = u.full_name
    every = await numbers_repo.list_page(panel.db, panel.tenant.id, None, forms.all_rows())
    counts = {"all": len(every), "free": sum(1 for n in every if n.assigned_user_id is None)}
    counts["assigned"] = counts["all"] - counts["free"]
    return render(panel, "numbers.html", status=status, title=i18n.gettext("Numbers"), rows=rows,
                  show=show, holders=holders, counts=counts, values=values or {},
                  errors=errors or {})


@router.get("/numbers")
async def numbers_page(panel: Annotated[Panel, Allowed("numbers.read")],
                       show: Annotated[str, Query(max_length=10)] = "all"):
    return await _numbers(panel, show if show in ("all", "free", "assigned") else "all")


@router.post("/numbers")
async def add_number(panel: Annotated[Panel, Allowed("numbers.manage")], request: Request):
    form = await request.form()
    number = forms.text(form, "number") or ""
    try:
        if not number:
            raise invalid(FieldError("number", "required", "Give a number."))
        await numbers.add_number(panel.db, tenant=panel.tenant, number=number)
    except Problem as problem:
        return await _numbers(panel, "all", status=422, values={"number": number},
                              errors=field_errors(problem))
    return redirect("/numbers")


@router.post("/numbers/{number_id:int}/delete")
async def remove_number(number_id: int, panel: Annotated[Panel, Allowed("numbers.manage")]):
    try:
        await numbers.remove_number(panel.db, tenant=panel.tenant, number_id=number_id)
    except Problem as problem:
        if problem.status == 404:
            raise
        return await _numbers(panel, "all", status=409, errors=field_errors(problem))
    return redirect("/numbers")


# --- the audit log (X-1) ----------------------------------------------------------------------

@router.get("/audit")
async def audit_page(panel: Annotated[Panel, Allowed("audit.read")],
                     who: Annotated[str | None, Query(max_length=120)] = None,
                     what: Annotated[str | None, Query(max_length=60)] = None,
                     action: Annotated[str | None, Query(max_length=60)] = None,
                     since: Annotated[str | None, Query(max_length=10)] = None,
                     until: Annotated[str | None, Query(max_length=10)] = None,
                     cursor: Annotated[str | None, Query(max_length=200)] = None):
    """Newest first; filter by who, what and when; before and after shown as a diff."""
    from datetime import UTC, datetime, timedelta

    def day(value: str | None, field_name: str) -> datetime | None:
        if not value:
            return None
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            raise invalid(FieldError(field_name, "invalid_datetime", "Not a date.")) from None

    until_day = day(until, "until")
    filters = audit_repo.AuditFilters(actor=who or None, entity=what or None,
                                      action=action or None, since=day(since, "since"),
                                      until=until_day + timedelta(days=1) if until_day else None)
    page = PageParams(limit=50, cursor=cursor or None)
    rows, next_cursor = page_of(await audit_repo.list_page(panel.db, panel.tenant.id, filters,
                                                           page, newest_first=True), page)
    args = {"who": who or "", "what": what or "", "action": action or "",
            "since": since or "", "until": until or ""}
    return render(panel, "audit.html", title=i18n.gettext("Audit log"), entries=rows, args=args,
                  next_cursor=next_cursor, first_page=cursor is None)


# --- tenant settings; tenants for platform operators (X-T1) -----------------------------------

SETTINGS_FIELDS = ("name", "sip_domain", "time_zone", "default_language", "phone_region")


@router.get("/settings")
async def settings_page(panel: Annotated[Panel, Allowed("settings.read")], saved: bool = False):
    if saved:
        panel.flashes.append(("success", i18n.gettext("Saved.")))
    values = {k: getattr(panel.tenant, k) for k in SETTINGS_FIELDS}
    return render(panel, "settings.html", title=i18n.gettext("Settings"), values=values,
                  errors={})


@router.post("/settings")
async def save_settings(panel: Annotated[Panel, Allowed("settings.manage")], request: Request):
    form = await request.form()
    data = {k: forms.text(form, k) for k in SETTINGS_FIELDS}
    try:
        await tenants.update_tenant(panel.db, tenant=panel.tenant,
                                    data=attempt_parse(TenantUpdate, data))
    except Problem as problem:
        return render(panel, "settings.html", status=422, title=i18n.gettext("Settings"),
                      values=data, errors=field_errors(problem))
    return redirect("/settings?saved=1")


Operator = Annotated[Panel, Allowed("tenants.manage", tenant=False)]


async def _tenants(panel: Panel, *, status=200, values=None, errors=None):
    rows = await tenants_repo.list_page(panel.db, forms.all_rows())
    return render(panel, "tenants.html", status=status, title=i18n.gettext("Tenants"), rows=rows,
                  values=values or {"default_language": "en", "phone_region": "PL",
                                    "time_zone": "UTC"}, errors=errors or {})


@router.get("/tenants")
async def tenants_page(panel: Operator):
    return await _tenants(panel)


@router.post("/tenants")
async def create_tenant(panel: Operator, request: Request):
    form = await request.form()
    data = {k: forms.text(form, k) for k in ("slug", *SETTINGS_FIELDS)}
    data = {k: v for k, v in data.items() if v is not None}
    try:
        await tenants.create_tenant(panel.db, data=attempt_parse(TenantCreate, data))
    except Problem as problem:
        return await _tenants(panel, status=422, values=data, errors=field_errors(problem))
    return redirect("/tenants")


@router.post("/tenants/{slug}/active")
async def tenant_active(slug: str, panel: Operator, request: Request):
    form = await request.form()
    tenant = _found(await tenants_repo.get_by_slug(panel.db, slug))
    await tenants.update_tenant(panel.db, tenant=tenant,
                                data=TenantUpdate(active=forms.flag(form, "active")))
    return redirect("/tenants")


@router.post("/tenants/{slug}/enter")
async def enter_tenant(slug: str, panel: Operator):
    """A platform operator works in one tenant at a time (kept in the panel session)."""
    tenant = _found(await tenants_repo.get_by_slug(panel.db, slug))
    panel.session.tenant = tenant.slug
    panel.changed = True
    return redirect("/users")

