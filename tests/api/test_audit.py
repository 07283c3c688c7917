"""Every change is audited (issue 8): Core statements of the services (token and access-key
revocations, the batched user writes) and the rows the database removes or nulls itself
(ON DELETE CASCADE / SET NULL), through the one audit hook."""

from __future__ import annotations

from tests.conftest import client_for, login
from tests.factories import make_number, make_user, sip_password, strong_password


async def _entries(client, api, **params) -> list[dict]:
    r = await client.get(f"{api}/audit", params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_token_revocations_by_core_update_are_audited(app, anon, client, tenant, api):
    password = strong_password()
    user = await make_user(client, api, password=password)
    token = (await login(anon, tenant["slug"], user["login"], password)).json()["access_token"]
    async with client_for(app, token) as me:
        assert (await me.post("/api/v1/auth/logout-all")).status_code == 204
    revoked = [e for e in await _entries(client, api, entity="auth_token", action="update")
               if "revoked_at" in (e["after"] or {})]
    assert len(revoked) == 1
    (entry,) = revoked
    assert entry["before"] == {"revoked_at": None} and entry["after"]["revoked_at"]
    assert entry["actor"] == f"user:{user['id']}"
    # deactivating a user ends its tokens: the users service's step, recorded the same way
    token = (await login(anon, tenant["slug"], user["login"], password)).json()["access_token"]
    await client.patch(f"{api}/users/{user['id']}", json={"active": False},
                       headers={"X-Request-ID": "deactivate-1"})
    by_request = await _entries(client, api, request_id="deactivate-1")
    assert {(e["entity"], e["action"]) for e in by_request} == {("user", "update"),
                                                              ("auth_token", "update")}


async def test_access_keys_revoked_by_a_resend_are_audited(mailbox, client, api):
    user = await make_user(client, api, email="keys.audit@example.com", login="keys-audit")
    await mailbox.wait_for("keys.audit@example.com")
    r = await client.post(f"{api}/users/{user['id']}/invitation",
                          headers={"X-Request-ID": "resend-1"})
    assert r.status_code == 202 and r.json()["status"] == "queued"
    by_request = await _entries(client, api, request_id="resend-1")
    actions = sorted((e["entity"], e["action"]) for e in by_request)
    assert actions == [("access_key", "create"), ("access_key", "update"),
                       ("user", "invitation_queued")]
    (revoked,) = [e for e in by_request if e["action"] == "update"]
    assert revoked["before"] == {"revoked_at": None} and revoked["after"]["revoked_at"]
    assert "digest" not in revoked["after"]


async def test_rows_removed_by_database_cascades_are_audited(client, api):
    """Deleting a skill, a role, a queue or a user removes memberships and grants in the
    database: each is in the log, and a DID given back to the pool too (SET NULL)."""
    did = await make_number(client, api)
    user = await make_user(client, api, roles=["agent", "pbx_user"], extension="6510",
                           sip_password=sip_password(), did=did["number"])
    skill = (await client.post(f"{api}/skills", json={"name": "cascade-skill"})).json()
    await client.put(f"{api}/users/{user['id']}/skills", json=[{"skill": "cascade-skill",
                                                                 "level": 2}])
    role = (await client.post(f"{api}/roles", json={"name": "Cascade",
                                                     "permissions": ["calls.read"]})).json()
    await client.post(f"{api}/users/{user['id']}/role-grants", json={"role_id": role["id"]})
    queue = (await client.post(f"{api}/queues", json={"name": "cascade-q"})).json()
    await client.post(f"{api}/queues/{queue['id']}/members", json={"user_id": user["id"],
                                                                   "priority": 5})
    group = (await client.post(f"{api}/groups", json={"name": "cascade-g"})).json()
    await client.post(f"{api}/groups/{group['id']}/members", json={"user_id": user["id"]})

    for path, rid in ((f"skills/{skill['id']}", "del-skill"), (f"roles/{role['id']}", "del-role"),
                      (f"queues/{queue['id']}", "del-queue")):
        assert (await client.delete(f"{api}/{path}",
                                    headers={"X-Request-ID": rid})).status_code == 204
    assert {e["entity"] for e in await _entries(client, api, request_id="del-skill")} == {
        "skill", "user_skill"}
    assert {e["entity"] for e in await _entries(client, api, request_id="del-role")} == {
        "role", "role_grant"}
    assert {e["entity"] for e in await _entries(client, api, request_id="del-queue")} == {
        "queue", "queue_member"}

    r = await client.delete(f"{api}/users/{user['id']}", headers={"X-Request-ID": "del-user"})
    assert r.status_code == 204
    removed = await _entries(client, api, request_id="del-user")
    by_entity = {(e["entity"], e["action"]) for e in removed}
    assert {("user", "delete"), ("user_role", "delete"), ("device", "delete"),
            ("group_member", "delete"), ("number", "update")} <= by_entity
    assert {e["entity_id"] for e in removed if e["entity"] == "user_role"} == {
        f"{user['id']}:agent", f"{user['id']}:pbx_user"}
    (freed,) = [e for e in removed if e["entity"] == "number"]
    assert freed["before"] == {"assigned_user_id": user["id"]}
    assert freed["after"] == {"assigned_user_id": None}
    assert all(e["before"] is not None for e in removed if e["action"] == "delete")
