"""Authorization matrix over every route of the application (FCC-20..25, OKI-10, DAK-10)."""

from __future__ import annotations

from fastapi import APIRouter

from roster.core.permissions import Actor, Requires
from tests import matrix
from tests.conftest import mint_token, unique

BUILTIN = {
    "administrator": (["administrator"], None),
    "supervisor": (["supervisor"], None),
    "agent": (["agent"], None),
    "pbx_user": (["pbx_user"], "pbx_user"),
    "uc_user": (["pbx_user", "uc_user"], "uc_user"),
}


async def _caller(app, http, client, api, slug, name, roles, role, grant=None) -> matrix.Caller:
    from tests.factories import make_user

    user = await make_user(client, api, roles=roles)
    if grant:
        r = await client.post(f"{api}/users/{user['id']}/role-grants", json={"role": grant})
        assert r.status_code == 201, r.text
    role = role or roles[0]
    token = await mint_token(app, user["id"], role)
    me = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text

    async def fresh() -> str:
        # A fresh token per call: routes like /auth/logout-all end the caller's sessions.
        return await mint_token(app, user["id"], role)

    return matrix.Caller(name, fresh, frozenset(me.json()["permissions"]), slug)


async def test_every_route_matches_its_declared_permission(app, anon, client, tenant, api):
    """Each built-in role (FCC-21..25, OKI-10 "operator"), an anonymous client and a user of
    another tenant, on every route of ``app.routes``: allowed, 401, 403 or 404 as declared."""
    slug = tenant["slug"]
    callers = [await _caller(app, anon, client, api, slug, name, roles, role)
               for name, (roles, role) in BUILTIN.items()]
    callers.append(await _caller(app, anon, client, api, slug, "operator (OKI-10)", ["agent"],
                                 "agent", grant="operator"))

    async def nobody() -> None:
        return None

    callers.append(matrix.Caller("anonymous", nobody, anonymous=True))
    other = unique("t-")
    r = await client.post("/api/v1/tenants", json={"slug": other, "name": other,
                                                   "sip_domain": f"{other}.pbx.example"})
    assert r.status_code == 201, r.text
    callers.append(await _caller(app, anon, client, f"/api/v1/tenants/{other}", other,
                                 "administrator of another tenant", ["administrator"], None))

    report = await matrix.walk(app, anon, callers, target_tenant=slug)
    assert not report.undeclared and not report.failures and not report.unexpected_routes, \
        matrix.explain(report)
    assert report.checked > 70 * len(callers)


async def test_route_without_declared_permission_fails_the_matrix(app, anon, tenant):
    """A route declaring neither Requires nor Public is reported, so the suite fails."""
    from fastapi import FastAPI

    bare = FastAPI()
    router = APIRouter()

    @router.get("/api/v1/forgotten")
    async def forgotten() -> dict:
        return {}

    @router.get("/api/v1/declared")
    async def declared(actor: Actor = Requires("audit.read")) -> dict:  # noqa: B008
        return {}

    bare.include_router(router)
    report = await matrix.walk(bare, anon, [], target_tenant=tenant["slug"])
    assert report.undeclared == ["GET /api/v1/forgotten"]


# --- issue 8: nobody widens its own rights or reaches beyond its scope -------------------------

# What a supervisor is given on top of its defaults, so that only the rules under test (and not
# a missing permission) stand between it and an escalation.
SUPERVISOR_EXTRAS = ["users.create", "users.delete", "users.access.manage",
                     "users.sessions.manage", "projects.manage", "roles.manage",
                     "groups.manage", "skills.manage", "devices.manage", "stations.manage"]


async def _supervisor_world(client, api, signed_in) -> dict:
    """A supervisor assigned one user directly and one through a group, with broad permissions;
    a stranger outside its scope holding a device, a skill, a role and a group membership."""
    from tests.factories import free_pin, make_user, sip_password, strong_password

    sup = await signed_in(["supervisor"])
    r = await client.put(f"{api}/users/{sup.id}/permissions", json={"grant": SUPERVISOR_EXTRAS})
    assert r.status_code == 200, r.text
    agent = await make_user(client, api)
    member = await make_user(client, api)
    stranger = await make_user(client, api, extension="7710", sip_password=sip_password(),
                               agent_pin=free_pin(), password=strong_password(),
                               email=f"{unique('str')}@example.com")
    mine = (await client.post(f"{api}/groups", json={"name": unique("mine")})).json()
    theirs = (await client.post(f"{api}/groups", json={"name": unique("theirs")})).json()
    await client.post(f"{api}/groups/{mine['id']}/members", json={"user_id": member["id"]})
    await client.post(f"{api}/groups/{theirs['id']}/members", json={"user_id": stranger["id"]})
    r = await client.put(f"{api}/users/{sup.id}/supervision",
                         json={"users": [agent["id"]], "groups": [mine["id"]]})
    assert r.status_code == 200, r.text
    skill = (await client.post(f"{api}/skills", json={"name": unique("sk")})).json()
    await client.put(f"{api}/users/{stranger['id']}/skills",
                     json=[{"skill": skill["name"], "level": 3}])
    role = (await client.post(f"{api}/roles", json={"name": unique("Lead"),
                                                     "permissions": ["users.read"]})).json()
    project = (await client.post(f"{api}/projects", json={"name": unique("P")})).json()
    grant = (await client.post(f"{api}/users/{stranger['id']}/role-grants",
                               json={"role_id": role["id"]})).json()
    (device,) = (await client.get(f"{api}/users/{stranger['id']}/devices")).json()
    return {"sup": sup, "agent": agent, "member": member, "stranger": stranger, "mine": mine,
            "theirs": theirs, "skill": skill, "role": role, "project": project,
            "grant": grant, "device": device}


async def _trace(client, api, user_id: int) -> tuple:
    """What can be seen of a user: its form and its audit entries."""
    user = (await client.get(f"{api}/users/{user_id}")).json()
    audit = (await client.get(f"{api}/audit", params={"entity_id": str(user_id),
                                                      "limit": 500})).json()["items"]
    return user, len(audit)


async def test_escalations_are_refused_issue8(client, api, signed_in):
    """A supervisor holding users.access.manage and more still cannot widen its own scope,
    make a supervisor or an administrator, or touch a user outside its scope (a password
    reset included), whatever the route; the last active administrator stays."""
    from tests.factories import strong_password, user_body

    w = await _supervisor_world(client, api, signed_in)
    sup, agent, stranger = w["sup"], w["agent"], w["stranger"]
    before = await _trace(client, api, stranger["id"])
    attempts = [
        matrix.Attempt("supervisor widens its own scope with a user", "PUT",
                       f"{api}/users/{sup.id}/supervision",
                       {"users": [agent["id"], stranger["id"]]}, (403, 422)),
        matrix.Attempt("supervisor widens its own scope with a group", "PUT",
                       f"{api}/users/{sup.id}/supervision",
                       {"users": [agent["id"]], "groups": [w["theirs"]["id"]]}),
        matrix.Attempt("supervisor promotes an agent in its scope to supervisor", "PATCH",
                       f"{api}/users/{agent['id']}", {"roles": ["agent", "supervisor"]}),
        matrix.Attempt("supervisor promotes an agent in its scope to administrator", "PATCH",
                       f"{api}/users/{agent['id']}", {"roles": ["administrator"]}),
        matrix.Attempt("supervisor creates a supervisor", "POST", f"{api}/users",
                       user_body(roles=["supervisor"])),
        matrix.Attempt("supervisor creates a supervisor in a batch", "POST",
                       f"{api}/users/batch",
                       {"users": [user_body(), user_body(roles=["agent", "supervisor"])]}),
        matrix.Attempt("supervisor resets the password of a user outside its scope", "PATCH",
                       f"{api}/users/{stranger['id']}", {"password": strong_password()},
                       (404,)),
        matrix.Attempt("... in a batch", "PATCH", f"{api}/users/batch",
                       {"users": [{"id": agent["id"], "description": "x"},
                                  {"id": stranger["id"], "password": strong_password()}]},
                       (404,)),
        matrix.Attempt("supervisor grants itself a role within a project", "POST",
                       f"{api}/users/{sup.id}/role-grants",
                       {"role_id": w["role"]["id"], "project_id": w["project"]["id"]}),
        matrix.Attempt("supervisor puts a stranger in a project", "POST",
                       f"{api}/projects/{w['project']['id']}/members",
                       {"kind": "user", "id": stranger["id"]}, (422,)),
        matrix.Attempt("supervisor puts a group of strangers in a project", "POST",
                       f"{api}/projects/{w['project']['id']}/members",
                       {"kind": "group", "id": w["theirs"]["id"]}),
        matrix.Attempt("supervisor adds a stranger to its group", "POST",
                       f"{api}/groups/{w['mine']['id']}/members",
                       {"user_id": stranger["id"]}, (422,)),
    ]
    failures = await matrix.try_all(sup.client, attempts)
    assert not failures, "\n".join(failures)
    assert await _trace(client, api, stranger["id"]) == before
    assert (await client.get(f"{api}/users/{agent['id']}")).json()["roles"] == ["agent"]
    supervision = (await client.get(f"{api}/users/{sup.id}/supervision")).json()
    assert supervision["users"] == [agent["id"]] and supervision["groups"] == [w["mine"]["id"]]
    # narrowing its own scope is no escalation
    r = await sup.client.put(f"{api}/users/{sup.id}/supervision", json={"users": []})
    assert r.status_code == 200, r.text


async def test_nobody_removes_the_last_active_administrator_issue8(client, api, signed_in):
    admin = await signed_in(["administrator"])
    attempts = [
        matrix.Attempt("the last administrator deactivates itself", "PATCH",
                       f"{api}/users/{admin.id}", {"active": False}, (409,)),
        matrix.Attempt("the last administrator demotes itself in a batch", "PATCH",
                       f"{api}/users/batch", {"users": [{"id": admin.id, "roles": ["agent"]}]},
                       (409,)),
        matrix.Attempt("the last administrator deletes itself", "DELETE",
                       f"{api}/users/{admin.id}", None, (409,)),
    ]
    failures = await matrix.try_all(admin.client, attempts)
    assert not failures, "\n".join(failures)
    other = await signed_in(["administrator"])
    # both at once in one batch: each alone would leave one, together none
    r = await client.patch(f"{api}/users/batch", json={"users": [
        {"id": admin.id, "active": False}, {"id": other.id, "roles": ["supervisor"]}]})
    assert r.status_code == 409 and {e["row"] for e in r.json()["errors"]} == {0, 1}, r.text
    r = await client.patch(f"{api}/users/{admin.id}", json={"active": False})
    assert r.status_code == 200, r.text


async def test_a_supervisor_reaches_no_user_outside_its_scope_through_any_route_issue8(
        app, client, api, tenant, signed_in):
    """Every route naming a user, called by a supervisor with broad permissions for a user
    outside its scope with a body the route accepts: not found or forbidden, never done, and
    nothing about the user changes."""
    w = await _supervisor_world(client, api, signed_in)
    stranger = w["stranger"]
    before = await _trace(client, api, stranger["id"])
    ids = {"skill_id": w["skill"]["id"], "grant_id": w["grant"]["id"],
           "device_id": w["device"]["id"], "group_id": w["theirs"]["id"]}
    seen = await matrix.walk_user_routes(app, w["sup"].client, tenant_slug=tenant["slug"],
                                         user_id=stranger["id"], ids=ids)
    reached = [(route, status) for route, status in seen if status not in (403, 404)]
    assert not reached, reached
    assert len(seen) > 35
    assert await _trace(client, api, stranger["id"]) == before
    # the same walk for a user in its scope does reach it (the walk can tell the difference)
    seen = await matrix.walk_user_routes(app, w["sup"].client, tenant_slug=tenant["slug"],
                                         user_id=w["agent"]["id"], ids=ids)
    assert any(200 <= status < 300 for _, status in seen)
