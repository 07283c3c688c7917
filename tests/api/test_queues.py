"""Queues and auto-dialer campaigns, their members and priorities (OKI-30, OKI-31, OKI-32)."""

from __future__ import annotations

import pytest

from tests.factories import make_user, sip_password

KINDS = [("queues", {"name": "support", "scenario": "ivr-main"}), ("campaigns",
                                                                    {"name": "renewals"})]


@pytest.mark.parametrize(("path", "body"), KINDS)
async def test_catalogue_crud_with_unique_names_oki31(client, api, path, body):
    r = await client.post(f"{api}/{path}", json=body)
    assert r.status_code == 201, r.text
    item = r.json()
    assert r.headers["Location"].endswith(f"/{path}/{item['id']}")
    assert item["name"] == body["name"]
    if path == "queues":
        assert item["scenario"] == "ivr-main"
    else:
        assert "scenario" not in item
    r = await client.post(f"{api}/{path}", json=body)
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "name_taken"
    listed = (await client.get(f"{api}/{path}")).json()
    assert [i["id"] for i in listed["items"]] == [item["id"]] and listed["next_cursor"] is None
    r = await client.patch(f"{api}/{path}/{item['id']}", json={"name": "renamed"})
    assert r.status_code == 200 and r.json()["name"] == "renamed"
    assert (await client.patch(f"{api}/{path}/{item['id']}", json={})).status_code == 422
    r = await client.patch(f"{api}/{path}/{item['id']}", json={"name": None})
    assert r.status_code == 422
    assert (await client.get(f"{api}/{path}/{item['id']}")).json()["name"] == "renamed"
    assert (await client.delete(f"{api}/{path}/{item['id']}")).status_code == 204
    assert (await client.get(f"{api}/{path}/{item['id']}")).status_code == 404


async def test_a_queue_and_a_campaign_may_share_a_name_but_not_a_path_oki31(client, api):
    q = (await client.post(f"{api}/queues", json={"name": "sales"})).json()
    c = (await client.post(f"{api}/campaigns", json={"name": "sales"})).json()
    assert q["scenario"] is None
    assert (await client.get(f"{api}/campaigns/{q['id']}")).status_code == 404
    assert (await client.get(f"{api}/queues/{c['id']}")).status_code == 404
    r = await client.post(f"{api}/campaigns", json={"name": "x", "scenario": "s"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_field"


@pytest.mark.parametrize("path", ["queues", "campaigns"])
async def test_members_with_priority_bounds_oki32(client, api, path):
    queue = (await client.post(f"{api}/{path}", json={"name": "m"})).json()
    user = await make_user(client, api)
    members = f"{api}/{path}/{queue['id']}/members"
    for bad in (-1, 101):
        r = await client.post(members, json={"user_id": user["id"], "priority": bad})
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "priority_out_of_range", r.text
    r = await client.post(members, json={"user_id": user["id"], "priority": 1.5})
    assert r.status_code == 422
    r = await client.post(members, json={"user_id": user["id"], "priority": 0})
    assert r.status_code == 201, r.text
    assert r.json() == {"user_id": user["id"], "full_name": user["full_name"],
                        "login": user["login"], "priority": 0}
    assert r.headers["Location"].endswith(f"/members/{user['id']}")
    r = await client.post(members, json={"user_id": user["id"], "priority": 5})
    assert r.status_code == 409 and r.json()["code"] == "already_member"
    r = await client.post(members, json={"user_id": 987654, "priority": 5})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_user"
    r = await client.patch(f"{members}/{user['id']}", json={"priority": 101})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "priority_out_of_range"
    r = await client.patch(f"{members}/{user['id']}", json={"priority": 100})
    assert r.status_code == 200 and r.json()["priority"] == 100
    listed = (await client.get(members)).json()
    assert [(m["user_id"], m["priority"]) for m in listed["items"]] == [(user["id"], 100)]
    assert (await client.delete(f"{members}/{user['id']}")).status_code == 204
    assert (await client.delete(f"{members}/{user['id']}")).status_code == 404
    assert (await client.patch(f"{members}/{user['id']}", json={"priority": 3})).status_code == 404
    assert (await client.get(members)).json()["items"] == []


async def test_a_whole_group_is_added_at_once_oki30(client, api):
    queue = (await client.post(f"{api}/queues", json={"name": "g"})).json()
    group = (await client.post(f"{api}/groups", json={"name": "team"})).json()
    a, b, c = [await make_user(client, api) for _ in range(3)]
    for u in (a, b):
        r = await client.post(f"{api}/groups/{group['id']}/members", json={"user_id": u["id"]})
        assert r.status_code == 201
    members = f"{api}/queues/{queue['id']}/members"
    await client.post(members, json={"user_id": a["id"], "priority": 7})
    r = await client.post(f"{members}/from-group", json={"group_id": group["id"], "priority": 101})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "priority_out_of_range"
    r = await client.post(f"{members}/from-group", json={"group_id": 987654, "priority": 3})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_group"
    r = await client.post(f"{members}/from-group", json={"group_id": group["id"], "priority": 3})
    assert r.status_code == 200, r.text
    assert [m["user_id"] for m in r.json()["added"]] == [b["id"]]
    assert r.json()["skipped"] == [a["id"]]
    listed = {m["user_id"]: m["priority"] for m in (await client.get(members)).json()["items"]}
    assert listed == {a["id"]: 7, b["id"]: 3}
    assert c["id"] not in listed


async def test_another_tenants_queue_answers_404(client, api, tenant):
    queue = (await client.post(f"{api}/queues", json={"name": "mine"})).json()
    other = "o" + tenant["slug"][:20]
    r = await client.post("/api/v1/tenants", json={"slug": other, "name": other,
                                                   "sip_domain": f"{other}.pbx.example"})
    assert r.status_code == 201, r.text
    oapi = f"/api/v1/tenants/{other}"
    assert (await client.get(f"{oapi}/queues/{queue['id']}")).status_code == 404
    assert (await client.get(f"{oapi}/queues/{queue['id']}/members")).status_code == 404
    assert (await client.delete(f"{oapi}/queues/{queue['id']}")).status_code == 404
    user = await make_user(client, api)
    oq = (await client.post(f"{oapi}/queues", json={"name": "theirs"})).json()
    r = await client.post(f"{oapi}/queues/{oq['id']}/members",
                          json={"user_id": user["id"], "priority": 1})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_user"
    assert [q["id"] for q in (await client.get(f"{oapi}/queues")).json()["items"]] == [oq["id"]]


async def test_changes_are_audited(client, api):
    queue = (await client.post(f"{api}/queues", json={"name": "audited"})).json()
    user = await make_user(client, api)
    members = f"{api}/queues/{queue['id']}/members"
    await client.post(members, json={"user_id": user["id"], "priority": 10})
    await client.patch(f"{members}/{user['id']}", json={"priority": 20})
    await client.delete(f"{members}/{user['id']}")
    await client.patch(f"{api}/queues/{queue['id']}", json={"scenario": "night"})
    entries = (await client.get(f"{api}/audit", params={"entity": "queue_member"})).json()["items"]
    actions = sorted(e["action"] for e in entries)
    assert actions == ["create", "delete", "update"]
    (upd,) = [e for e in entries if e["action"] == "update"]
    assert upd["before"] == {"priority": 10} and upd["after"] == {"priority": 20}
    entries = (await client.get(f"{api}/audit", params={"entity": "queue"})).json()["items"]
    assert sorted(e["action"] for e in entries) == ["create", "update"]


async def test_an_agent_sees_only_its_own_queues_read_only(client, api, signed_in):
    agent = await signed_in(["agent"])
    mine = (await client.post(f"{api}/queues", json={"name": "mine"})).json()
    other = (await client.post(f"{api}/queues", json={"name": "other"})).json()
    await client.post(f"{api}/queues/{mine['id']}/members",
                      json={"user_id": agent.id, "priority": 5})
    me = (await agent.client.get("/api/v1/auth/me")).json()
    assert me["queue_scope"] == [mine["id"]]
    listed = (await agent.client.get(f"{api}/queues")).json()["items"]
    assert [q["id"] for q in listed] == [mine["id"]]
    assert (await agent.client.get(f"{api}/queues/{other['id']}")).status_code == 404
    r = await agent.client.patch(f"{api}/queues/{mine['id']}/members/{agent.id}",
                                 json={"priority": 9})
    assert r.status_code == 403


async def test_from_group_is_not_mistaken_for_a_member_id(client, api):
    """PATCH on .../members/from-group is an unsupported method (405), not a member id (422)."""
    q = (await client.post(f"{api}/queues", json={"name": "Routing"})).json()
    r = await client.patch(f"{api}/queues/{q['id']}/members/from-group", json={"priority": 1})
    assert r.status_code == 405 and r.headers["allow"] == "POST"


async def test_oki32_queue_number_and_distribution_preview(client, api):
    """A queue's number has an extension's shape and is nobody else's; the preview lists every
    member with the reason it gets no call (no registrar here: nobody is registered)."""
    user = await make_user(client, api, extension="701", sip_password=sip_password())
    r = await client.post(f"{api}/queues", json={"name": "q-short", "extension": "7a"})
    assert r.status_code == 422
    r = await client.post(f"{api}/queues", json={"name": "q-taken", "extension": "701"})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "extension_taken"
    r = await client.post(f"{api}/queues", json={"name": "q-ok", "extension": "700"})
    assert r.status_code == 201, r.text
    queue = r.json()
    r = await client.post(f"{api}/queues", json={"name": "q-again", "extension": "700"})
    assert r.status_code == 409
    r = await client.post(f"{api}/queues/{queue['id']}/members",
                          json={"user_id": user["id"], "priority": 3})
    assert r.status_code == 201
    r = await client.put(f"{api}/users/{user['id']}/agent-state", json={"state": "ready_other"})
    assert r.status_code == 200
    r = await client.get(f"{api}/queues/{queue['id']}/distribution")
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [{"user_id": user["id"], "position": None, "priority": 3,
                                   "available": False, "reason": "not_registered"}]}
    campaign = (await client.post(f"{api}/campaigns", json={"name": "c-1"})).json()
    assert (await client.get(f"{api}/campaigns/{campaign['id']}/distribution")).status_code in (
        404, 405)
