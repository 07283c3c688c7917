"""Roles, per-person permissions, data scopes, projects and no escalation
(FCC-20..25, OKI-10, OKI-11, SIPL-10, SIPL-11, DAK-10)."""

from __future__ import annotations

from roster.domains.access.rules import ACCOUNT_KINDS, DEFAULTS
from tests.factories import make_user


async def _me(signed) -> dict:
    r = await signed.client.get("/api/v1/auth/me")
    assert r.status_code == 200, r.text
    return r.json()


async def test_builtin_roles_with_section_permissions_oki10_sipl10(signed_in, api):
    """OKI-10: built-in roles, the "operator" among them, listed with their permissions."""
    admin = await signed_in(["administrator"])
    items = (await admin.client.get(f"{api}/roles")).json()["items"]
    names = {i["name"]: i for i in items}
    assert set(ACCOUNT_KINDS) | {"operator"} <= set(names)
    assert names["operator"]["builtin"] and not names["operator"]["account_kind"]
    assert names["agent"]["permissions"] == sorted(DEFAULTS["agent"])


async def test_each_kind_gets_its_defaults_fcc21_to_fcc25(signed_in):
    """FCC-21 administrator: everything; FCC-22 supervisor: monitoring its people; FCC-23 agent:
    calls; FCC-24 PBX user and FCC-25 UC user: their own data (and contacts for UC)."""
    for roles, role in ((["administrator"], None), (["supervisor"], None), (["agent"], None),
                        (["pbx_user"], "pbx_user"), (["pbx_user", "uc_user"], "uc_user")):
        me = await _me(await signed_in(roles, role=role))
        assert set(me["permissions"]) == DEFAULTS[role or roles[0]], roles
        assert (me["user_scope"] is None) == (roles == ["administrator"])


async def test_custom_role_granted_adds_permissions_and_revoking_removes_them_oki10(
        client, api, signed_in):
    """OKI-10: administrators create roles; a holder gains the role's section rights."""
    admin = await signed_in(["administrator"])
    agent = await signed_in(["agent"])
    r = await admin.client.post(f"{api}/roles", json={
        "name": "Auditor", "permissions": ["audit.read", "statistics.read"]})
    assert r.status_code == 201, r.text
    role = r.json()
    assert (await agent.client.get(f"{api}/audit")).status_code == 403
    r = await admin.client.post(f"{api}/users/{agent.id}/role-grants", json={"role_id": role["id"]})
    assert r.status_code == 201, r.text
    grant = r.json()
    assert (await agent.client.get(f"{api}/audit")).status_code == 200
    assert (await admin.client.get(f"{api}/roles/{role['id']}")).json()["holders"] == 1
    marked = (await admin.client.get(f"{api}/role-grants", params={"role_id": role["id"]})).json()
    assert [(g["user_id"], g["role"]) for g in marked["items"]] == [(agent.id, "Auditor")]
    # the user list marks the holder (OKI-10)
    listed = (await admin.client.get(f"{api}/users", params={"limit": 500})).json()["items"]
    assert {u["id"]: u["granted_roles"] for u in listed}[agent.id] == ["Auditor"]
    assert all(u["granted_roles"] == [] for u in listed if u["id"] != agent.id)
    r = await admin.client.delete(f"{api}/users/{agent.id}/role-grants/{grant['id']}")
    assert r.status_code == 204
    assert (await agent.client.get(f"{api}/audit")).status_code == 403
    audit = (await client.get(f"{api}/audit", params={"entity": "role_grant"})).json()
    assert [e["action"] for e in audit["items"]] == ["create", "delete"]


async def test_builtin_operator_role_granted_oki10(api, signed_in):
    admin = await signed_in(["administrator"])
    agent = await signed_in(["agent"])
    assert "agent_state.manage" not in (await _me(agent))["permissions"]
    r = await admin.client.post(f"{api}/users/{agent.id}/role-grants", json={"role": "operator"})
    assert r.status_code == 201
    assert "agent_state.manage" in (await _me(agent))["permissions"]
    shown = (await admin.client.get(f"{api}/users/{agent.id}")).json()
    assert shown["granted_roles"] == ["operator"]
    r = await admin.client.post(f"{api}/users/{agent.id}/role-grants", json={"role": "operator"})
    assert r.status_code == 409


async def test_per_person_grant_and_revoke_for_supervisor_and_agent_fcc22_fcc23(
        client, api, signed_in):
    """FCC-22, FCC-23: the administrator decides individual permissions of supervisors and
    agents."""
    admin = await signed_in(["administrator"])
    agent = await signed_in(["agent"])
    r = await admin.client.put(f"{api}/users/{agent.id}/permissions",
                               json={"grant": ["statistics.read"], "revoke": ["calls.listen"]})
    assert r.status_code == 200, r.text
    me = await _me(agent)
    assert "statistics.read" in me["permissions"] and "calls.listen" not in me["permissions"]
    pbx = await make_user(client, api, roles=["pbx_user"])
    r = await admin.client.put(f"{api}/users/{pbx['id']}/permissions",
                               json={"grant": ["statistics.read"]})
    assert r.status_code == 422  # SIPL-10/DAK-10: back-office users keep their own data only
    r = await admin.client.put(f"{api}/users/{agent.id}/permissions",
                               json={"grant": ["tenants.manage"]})
    assert r.status_code == 422
    audit = (await client.get(f"{api}/audit", params={"action": "permissions_set"})).json()
    assert audit["items"][0]["after"] == {"grant": ["statistics.read"], "revoke": ["calls.listen"]}


async def test_supervisor_sees_and_manages_only_assigned_users_fcc22_dak10(client, api,
                                                                          signed_in):
    """FCC-22, DAK-10: scoping in the repository: others are 404, as if they did not exist."""
    admin = await signed_in(["administrator"])
    sup = await signed_in(["supervisor"])
    direct = await make_user(client, api)
    via_group = await make_user(client, api)
    stranger = await make_user(client, api)
    group = (await client.post(f"{api}/groups", json={"name": "Team A"})).json()
    await client.post(f"{api}/groups/{group['id']}/members", json={"user_id": via_group["id"]})
    r = await admin.client.put(f"{api}/users/{sup.id}/supervision",
                               json={"users": [direct["id"]], "groups": [group["id"]]})
    assert r.status_code == 200, r.text
    listed = {u["id"] for u in (await sup.client.get(f"{api}/users")).json()["items"]}
    assert listed == {sup.id, direct["id"], via_group["id"]}
    assert (await sup.client.get(f"{api}/users/{stranger['id']}")).status_code == 404
    r = await sup.client.patch(f"{api}/users/{direct['id']}", json={"description": "coached"})
    assert r.status_code == 200
    r = await sup.client.patch(f"{api}/users/{stranger['id']}", json={"description": "x"})
    assert r.status_code == 404
    eff = (await admin.client.get(f"{api}/users/{sup.id}/effective-access")).json()
    (as_sup,) = eff["by_role"]
    assert as_sup["user_scope"] == sorted([sup.id, direct["id"], via_group["id"]])
    assert eff["supervises"] == {"users": [direct["id"]], "groups": [group["id"]], "queues": [],
                                 "campaigns": []}


async def test_agent_sees_own_calls_by_default_sipl10_and_listed_extensions_sipl11(
        client, api, signed_in):
    """SIPL-10: own calls by default; SIPL-11: an administrator lists whose calls one sees."""
    admin = await signed_in(["administrator"])
    agent = await signed_in(["agent"], extension="701")
    me = await _me(agent)
    assert me["call_extensions"] == ["701"] and me["user_scope"] == [agent.id]
    assert {"calls.read", "calls.listen"} <= set(me["permissions"])
    r = await admin.client.put(f"{api}/users/{agent.id}/call-visibility",
                               json={"extensions": ["702", "701", "703"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"extensions": ["701", "702", "703"], "default": False}
    assert (await _me(agent))["call_extensions"] == ["701", "702", "703"]
    r = await admin.client.put(f"{api}/users/{agent.id}/call-visibility",
                               json={"extensions": ["7x"]})
    assert r.status_code == 422
    r = await admin.client.put(f"{api}/users/{agent.id}/call-visibility", json={"extensions": []})
    assert r.json() == {"extensions": ["701"], "default": True}


async def test_role_granted_within_a_project_sees_that_project_only_oki11(client, api,
                                                                         signed_in):
    """OKI-11: projects split a company; a role granted in one project covers its people."""
    admin = await signed_in(["administrator"])
    agent = await signed_in(["agent"])
    inside = await make_user(client, api)
    in_group = await make_user(client, api)
    outside = await make_user(client, api)
    sales = (await admin.client.post(f"{api}/projects", json={"name": "Sales"})).json()
    support = (await admin.client.post(f"{api}/projects", json={"name": "Support"})).json()
    group = (await client.post(f"{api}/groups", json={"name": "Sales floor"})).json()
    await client.post(f"{api}/groups/{group['id']}/members", json={"user_id": in_group["id"]})
    for kind, oid in (("user", inside["id"]), ("group", group["id"])):
        r = await admin.client.post(f"{api}/projects/{sales['id']}/members",
                                    json={"kind": kind, "id": oid})
        assert r.status_code == 201, r.text
    await admin.client.post(f"{api}/projects/{support['id']}/members",
                            json={"kind": "user", "id": outside["id"]})
    role = (await admin.client.post(f"{api}/roles", json={
        "name": "Team lead", "permissions": ["users.read"]})).json()
    r = await admin.client.post(f"{api}/users/{agent.id}/role-grants",
                                json={"role_id": role["id"], "project_id": sales["id"]})
    assert r.status_code == 201, r.text
    listed = {u["id"] for u in (await agent.client.get(f"{api}/users")).json()["items"]}
    assert listed == {agent.id, inside["id"], in_group["id"]}
    assert (await agent.client.get(f"{api}/users/{outside['id']}")).status_code == 404
    members = (await admin.client.get(f"{api}/projects/{sales['id']}/members")).json()
    assert {(m["kind"], m["id"]) for m in members} == {("user", inside["id"]),
                                                        ("group", group["id"])}
    r = await admin.client.post(f"{api}/projects/{sales['id']}/members",
                                json={"kind": "skill", "id": 987654})
    assert r.status_code == 422


async def test_nobody_grants_what_they_do_not_hold(client, api, signed_in):
    """No escalation: permissions and roles are granted only by those who hold them."""
    admin = await signed_in(["administrator"])
    sup = await signed_in(["supervisor"])
    agent = await make_user(client, api)
    await admin.client.put(f"{api}/users/{sup.id}/permissions",
                           json={"grant": ["roles.manage", "users.access.manage"]})
    await admin.client.put(f"{api}/users/{sup.id}/supervision", json={"users": [agent["id"]]})
    r = await sup.client.post(f"{api}/roles", json={"name": "Big", "permissions": ["audit.read"]})
    assert r.status_code == 403
    r = await sup.client.post(f"{api}/roles", json={"name": "Small",
                                                    "permissions": ["calls.read"]})
    assert r.status_code == 201
    r = await sup.client.put(f"{api}/users/{agent['id']}/permissions",
                             json={"grant": ["numbers.manage"]})
    assert r.status_code == 403
    r = await sup.client.patch(f"{api}/users/{agent['id']}",
                               json={"roles": ["agent", "administrator"]})
    assert r.status_code == 403
    r = await sup.client.patch(f"{api}/users/{agent['id']}", json={"roles": ["agent", "uc_user",
                                                                            "pbx_user"]})
    assert r.status_code == 403
    after = (await client.get(f"{api}/users/{agent['id']}")).json()
    assert after["roles"] == ["agent"]  # a refused request changes nothing
    r = await admin.client.post(f"{api}/roles", json={"name": "Platform",
                                                      "permissions": ["tenants.manage"]})
    assert r.status_code == 422


async def test_only_an_administrator_changes_an_administrator(client, api, signed_in):
    admin = await signed_in(["administrator"])
    sup = await signed_in(["supervisor"])
    other_admin = await make_user(client, api, roles=["administrator"])
    await admin.client.put(f"{api}/users/{sup.id}/supervision",
                           json={"users": [other_admin["id"]]})
    r = await sup.client.patch(f"{api}/users/{other_admin['id']}", json={"description": "x"})
    assert r.status_code == 403
    r = await admin.client.patch(f"{api}/users/{other_admin['id']}", json={"roles": ["agent"]})
    assert r.status_code == 200


async def test_last_active_administrator_cannot_be_removed_demoted_or_deactivated(client, api):
    first = await make_user(client, api, roles=["administrator"])
    for change in ({"roles": ["supervisor"]}, {"active": False}):
        r = await client.patch(f"{api}/users/{first['id']}", json=change)
        assert r.status_code == 409 and r.json()["code"] == "last_administrator", r.text
    assert (await client.delete(f"{api}/users/{first['id']}")).status_code == 409
    assert (await client.get(f"{api}/users/{first['id']}")).json()["roles"] == ["administrator"]
    second = await make_user(client, api, roles=["administrator", "agent"])
    r = await client.patch(f"{api}/users/{first['id']}", json={"roles": ["agent"]})
    assert r.status_code == 200
    r = await client.patch(f"{api}/users/{second['id']}", json={"active": False})
    assert r.status_code == 409


async def test_another_tenants_objects_are_not_found(client, api, signed_in):
    admin = await signed_in(["administrator"])
    other = await client.post("/api/v1/tenants", json={
        "slug": "o-" + api.rsplit("-", 1)[-1], "name": "Other",
        "sip_domain": "o-" + api.rsplit("-", 1)[-1] + ".pbx.example"})
    assert other.status_code == 201, other.text
    slug = other.json()["slug"]
    stranger = await make_user(client, f"/api/v1/tenants/{slug}")
    r = await admin.client.get(f"/api/v1/tenants/{slug}/users/{stranger['id']}")
    assert r.status_code == 404
    r = await admin.client.get(f"{api}/users/{stranger['id']}/effective-access")
    assert r.status_code == 404
    r = await admin.client.put(f"{api}/users/{admin.id}/supervision",
                               json={"users": [stranger["id"]]})
    assert r.status_code == 422  # not a supervisor, and the stranger is unknown here


async def test_effective_access_answers_every_held_role(client, api, signed_in):
    admin = await signed_in(["administrator"])
    user = await make_user(client, api, roles=["supervisor", "agent", "pbx_user"])
    eff = (await admin.client.get(f"{api}/users/{user['id']}/effective-access")).json()
    assert eff["default_role"] == "supervisor"
    assert {r["role"]: r["signs_in"] for r in eff["by_role"]} == {
        "supervisor": True, "agent": True, "pbx_user": False}


async def test_deleting_a_user_removes_it_from_projects_oki11(client, api, signed_in):
    admin = await signed_in(["administrator"])
    user = await make_user(client, api)
    project = (await admin.client.post(f"{api}/projects", json={"name": "Temp"})).json()
    await admin.client.post(f"{api}/projects/{project['id']}/members",
                            json={"kind": "user", "id": user["id"]})
    assert (await admin.client.delete(f"{api}/users/{user['id']}")).status_code == 204
    assert (await admin.client.get(f"{api}/projects/{project['id']}/members")).json() == []


async def test_supervisor_sees_and_manages_only_assigned_queues_fcc22_dak10(client, api,
                                                                            signed_in):
    """FCC-22, DAK-10: a supervisor assigned queue A (and campaign C) sees A but not B, in the
    list and by id (404), and changes priorities only in A; the catalogue stays the
    administrator's."""
    admin = await signed_in(["administrator"])
    sup = await signed_in(["supervisor"])
    agent = await make_user(client, api)
    qa = (await client.post(f"{api}/queues", json={"name": "A"})).json()
    qb = (await client.post(f"{api}/queues", json={"name": "B"})).json()
    camp = (await client.post(f"{api}/campaigns", json={"name": "C"})).json()
    for q, path in ((qa, "queues"), (qb, "queues"), (camp, "campaigns")):
        r = await client.post(f"{api}/{path}/{q['id']}/members",
                              json={"user_id": agent["id"], "priority": 10})
        assert r.status_code == 201, r.text
    r = await admin.client.put(f"{api}/users/{sup.id}/supervision",
                               json={"users": [agent["id"]], "queues": [qa["id"]],
                                     "campaigns": [camp["id"]]})
    assert r.status_code == 200, r.text
    assert r.json() == {"users": [agent["id"]], "groups": [], "queues": [qa["id"]],
                        "campaigns": [camp["id"]]}
    # a queue is not a campaign: kinds are checked
    r = await admin.client.put(f"{api}/users/{sup.id}/supervision",
                               json={"campaigns": [qb["id"]]})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_campaign"

    assert (await _me(sup))["queue_scope"] == sorted([qa["id"], camp["id"]])
    eff = (await admin.client.get(f"{api}/users/{sup.id}/effective-access")).json()
    assert eff["by_role"][0]["queue_scope"] == sorted([qa["id"], camp["id"]])
    assert eff["supervises"]["queues"] == [qa["id"]]
    assert eff["supervises"]["campaigns"] == [camp["id"]]
    assert (await _me(admin))["queue_scope"] is None

    listed = (await sup.client.get(f"{api}/queues")).json()["items"]
    assert [q["id"] for q in listed] == [qa["id"]]
    assert [c["id"] for c in (await sup.client.get(f"{api}/campaigns")).json()["items"]] == \
        [camp["id"]]
    assert (await sup.client.get(f"{api}/queues/{qb['id']}")).status_code == 404
    assert (await sup.client.get(f"{api}/queues/{qb['id']}/members")).status_code == 404

    r = await sup.client.patch(f"{api}/queues/{qa['id']}/members/{agent['id']}",
                               json={"priority": 0})
    assert r.status_code == 200 and r.json()["priority"] == 0
    r = await sup.client.patch(f"{api}/campaigns/{camp['id']}/members/{agent['id']}",
                               json={"priority": 55})
    assert r.status_code == 200
    r = await sup.client.patch(f"{api}/queues/{qb['id']}/members/{agent['id']}",
                               json={"priority": 0})
    assert r.status_code == 404
    members = (await client.get(f"{api}/queues/{qb['id']}/members")).json()["items"]
    assert members[0]["priority"] == 10
    # catalogue changes need the whole tenant
    assert (await sup.client.post(f"{api}/queues", json={"name": "new"})).status_code == 403
    r = await sup.client.patch(f"{api}/queues/{qa['id']}", json={"name": "x"})
    assert r.status_code == 403
    assert (await sup.client.delete(f"{api}/queues/{qa['id']}")).status_code == 403
    # members it adds are users it supervises
    stranger = await make_user(client, api)
    r = await sup.client.post(f"{api}/queues/{qa['id']}/members",
                              json={"user_id": stranger["id"], "priority": 1})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_user"
