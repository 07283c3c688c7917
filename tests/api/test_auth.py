"""Sign-in, lock-out, sessions, role switch and API tokens (FCC-6, FCC-8, FCC-20, DAK-10)."""

from __future__ import annotations

from sqlalchemy import select

from roster.config import get_settings
from tests.conftest import client_for, login
from tests.factories import make_user, strong_password

LOGIN_KEYS = {"access_token", "token_type", "expires_in", "roles", "active_role"}


async def _user(client, api, roles=("agent",), **fields):
    password = strong_password("Adm1n-Pass")
    user = await make_user(client, api, roles=list(roles), password=password, **fields)
    return user, password


async def test_sign_in_answers_the_api_contract_and_stores_the_token_hashed(app, anon, client,
                                                                             tenant, api):
    """FCC-6: an active user signs in with tenant, login and password."""
    user, password = await _user(client, api, roles=("agent", "supervisor"))
    r = await login(anon, tenant["slug"], user["login"], password)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == LOGIN_KEYS
    assert body["token_type"] == "bearer" and body["expires_in"] == get_settings().token_ttl_s
    assert body["roles"] == ["supervisor", "agent"] and body["active_role"] == "supervisor"
    me = await anon.get("/api/v1/auth/me",
                        headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["user_id"] == user["id"]

    from roster.domains.auth.models import AuthToken

    async with app.state.sessionmaker() as db:
        digests = (await db.execute(select(AuthToken.digest).where(
            AuthToken.user_id == user["id"]))).scalars().all()
    assert digests and body["access_token"] not in digests


async def test_wrong_password_and_unknown_login_answer_the_same(anon, client, tenant, api):
    user, _ = await _user(client, api)
    wrong = await login(anon, tenant["slug"], user["login"], "Wrong-Password-1!")
    unknown = await login(anon, tenant["slug"], "nobody-here", "Wrong-Password-1!")
    no_tenant = await login(anon, "no-such-tenant", user["login"], "Wrong-Password-1!")
    assert wrong.status_code == unknown.status_code == no_tenant.status_code == 401
    assert wrong.json() == unknown.json() == no_tenant.json()


async def test_inactive_user_cannot_sign_in_and_loses_sessions_fcc6(app, anon, client, tenant,
                                                                    api):
    """FCC-6: only an active user signs in; deactivation ends every session and API token."""
    user, password = await _user(client, api)
    token = (await login(anon, tenant["slug"], user["login"], password)).json()["access_token"]
    async with client_for(app, token) as me:
        assert (await me.get("/api/v1/auth/me")).status_code == 200
        r = await client.patch(f"{api}/users/{user['id']}", json={"active": False})
        assert r.status_code == 200
        assert (await me.get("/api/v1/auth/me")).status_code == 401
    assert (await login(anon, tenant["slug"], user["login"], password)).status_code == 401
    await client.patch(f"{api}/users/{user['id']}", json={"active": True})
    assert (await login(anon, tenant["slug"], user["login"], password)).status_code == 200


async def test_panel_access_is_needed_to_sign_in_fcc8(anon, client, tenant, api):
    """FCC-8: without panel access there is no password sign-in."""
    user, password = await _user(client, api, panel_access=False)
    r = await login(anon, tenant["slug"], user["login"], password)
    assert r.status_code == 401


async def test_back_office_user_never_signs_in_dak10(anon, client, tenant, api):
    """DAK-10, FCC-24: a user holding only pbx_user does not sign in with a password."""
    pbx, password = await _user(client, api, roles=("pbx_user",))
    assert (await login(anon, tenant["slug"], pbx["login"], password)).status_code == 401
    both, password = await _user(client, api, roles=("agent", "pbx_user"))
    r = await login(anon, tenant["slug"], both["login"], password)
    assert r.status_code == 200 and r.json()["active_role"] == "agent"


async def test_seventh_attempt_refused_even_with_right_password_then_lock_ends(
        app, client, tenant, api, clock):
    """Six failures lock the account for five minutes (Retry-After); then sign-in works."""
    user, password = await _user(client, api)
    async with client_for(app, address="10.6.6.6") as c:
        for _ in range(6):
            r = await login(c, tenant["slug"], user["login"], "Not-The-Password-1!")
            assert r.status_code == 401
        r = await login(c, tenant["slug"], user["login"], password)
        assert r.status_code == 401
        assert r.headers["Retry-After"] == "300"
        assert "access_token" not in r.text
        clock.advance(seconds=299)
        r = await login(c, tenant["slug"], user["login"], password)
        assert r.status_code == 401 and r.headers["Retry-After"] == "1"
        clock.advance(seconds=2)
        r = await login(c, tenant["slug"], user["login"], password)
        assert r.status_code == 200, r.text
    audit = (await client.get(f"{api}/audit", params={"entity": "user",
                                                      "entity_id": str(user["id"])})).json()
    actions = [e["action"] for e in audit["items"]]
    assert actions.count("login_failed") == 8  # six wrong passwords, two tries while locked
    assert "locked" in actions and actions[-1] == "login"


async def test_an_administrator_lifts_a_lock(app, client, tenant, api):
    user, password = await _user(client, api)
    async with client_for(app, address="10.6.6.7") as c:
        for _ in range(6):
            await login(c, tenant["slug"], user["login"], "Not-The-Password-1!")
        state = (await client.get(f"{api}/users/{user['id']}/lockout")).json()
        assert state["locked"] is True
        assert (await client.delete(f"{api}/users/{user['id']}/lockout")).status_code == 204
        assert (await login(c, tenant["slug"], user["login"], password)).status_code == 200


async def test_failures_are_limited_per_client_address(app, client, tenant, api, monkeypatch):
    monkeypatch.setattr(get_settings(), "address_attempts_per_minute", 3)
    user, password = await _user(client, api)
    async with client_for(app, address="10.7.7.7") as c:
        for i in range(3):
            r = await login(c, tenant["slug"], f"nobody{i}", "Not-The-Password-1!")
            assert r.status_code == 401
        r = await login(c, tenant["slug"], user["login"], password)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    async with client_for(app, address="10.7.7.8") as other:
        assert (await login(other, tenant["slug"], user["login"], password)).status_code == 200


async def test_tokens_expire(app, anon, client, tenant, api, clock):
    user, password = await _user(client, api)
    token = (await login(anon, tenant["slug"], user["login"], password)).json()["access_token"]
    async with client_for(app, token) as me:
        assert (await me.get("/api/v1/auth/me")).status_code == 200
        clock.advance(seconds=get_settings().token_ttl_s + 1)
        assert (await me.get("/api/v1/auth/me")).status_code == 401


async def test_sign_out_and_sign_out_everywhere(app, anon, client, tenant, api):
    user, password = await _user(client, api)
    tokens = [(await login(anon, tenant["slug"], user["login"], password)).json()["access_token"]
              for _ in range(3)]
    async with client_for(app, tokens[0]) as a, client_for(app, tokens[1]) as b, \
            client_for(app, tokens[2]) as c:
        assert (await a.post("/api/v1/auth/logout")).status_code == 204
        assert (await a.get("/api/v1/auth/me")).status_code == 401
        assert (await b.get("/api/v1/auth/me")).status_code == 200
        assert (await b.post("/api/v1/auth/logout-all")).status_code == 204
        assert (await b.get("/api/v1/auth/me")).status_code == 401
        assert (await c.get("/api/v1/auth/me")).status_code == 401


async def test_administrator_revokes_a_users_sessions(app, anon, client, tenant, api,
                                                      signed_in):
    admin = await signed_in(["administrator"])
    user, password = await _user(client, api)
    token = (await login(anon, tenant["slug"], user["login"], password)).json()["access_token"]
    r = await admin.client.post(f"{api}/users/{user['id']}/revoke-sessions")
    assert r.status_code == 204
    async with client_for(app, token) as me:
        assert (await me.get("/api/v1/auth/me")).status_code == 401
    audit = (await client.get(f"{api}/audit", params={"action": "sessions_revoked"})).json()
    assert [e["entity_id"] for e in audit["items"]] == [str(user["id"])]


async def test_switch_role_without_password_permissions_follow_active_role_fcc20(
        app, anon, client, tenant, api):
    """FCC-20: a user with several kinds switches; only the active one's permissions apply."""
    user, password = await _user(client, api, roles=("supervisor", "agent"))
    other, _ = await _user(client, api)
    token = (await login(anon, tenant["slug"], user["login"], password)).json()["access_token"]
    async with client_for(app, token) as sup:
        await client.put(f"{api}/users/{user['id']}/supervision", json={"users": [other["id"]]})
        assert (await sup.get(f"{api}/users/{other['id']}")).status_code == 200
        r = await sup.post("/api/v1/auth/switch-role", json={"role": "agent"})
        assert r.status_code == 200, r.text
        assert set(r.json()) == {"access_token", "token_type", "expires_in", "roles",
                                 "active_role"}
        assert r.json()["active_role"] == "agent"
        assert (await sup.get("/api/v1/auth/me")).status_code == 401  # the old token ended
        new = r.json()["access_token"]
    async with client_for(app, new) as agent:
        me = (await agent.get("/api/v1/auth/me")).json()
        assert me["active_role"] == "agent" and "users.read" not in me["permissions"]
        assert (await agent.get(f"{api}/users/{other['id']}")).status_code == 403
        r = await agent.post("/api/v1/auth/switch-role", json={"role": "administrator"})
        assert r.status_code == 403
        assert (await agent.get("/api/v1/auth/me")).status_code == 200  # refused: unchanged
        r = await agent.post("/api/v1/auth/switch-role", json={"role": "supervisor"})
        assert r.status_code == 200 and r.json()["active_role"] == "supervisor"
    audit = (await client.get(f"{api}/audit", params={"action": "role_switch"})).json()
    assert [e["after"]["active_role"] for e in audit["items"]] == ["agent", "supervisor"]


async def test_named_api_tokens_act_with_a_chosen_role_and_can_be_revoked(app, client, api,
                                                                          signed_in):
    admin = await signed_in(["administrator", "agent"])
    r = await admin.client.post(f"{api}/api-tokens", json={"name": "crm", "role": "agent"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["role"] == "agent" and created["token"].startswith("rapi_")
    async with client_for(app, created["token"]) as crm:
        me = (await crm.get("/api/v1/auth/me")).json()
        assert me["kind"] == "api_token" and me["active_role"] == "agent"
        assert (await crm.get(f"{api}/users")).status_code == 403
        listed = (await admin.client.get(f"{api}/api-tokens")).json()
        assert [t["name"] for t in listed] == ["crm"] and "token" not in listed[0]
        r = await admin.client.delete(f"{api}/api-tokens/{created['id']}")
        assert r.status_code == 204
        assert (await crm.get("/api/v1/auth/me")).status_code == 401


async def test_api_token_cannot_escalate(client, api, signed_in):
    sup = await signed_in(["supervisor"])
    await client.put(f"{api}/users/{sup.id}/permissions", json={"grant": ["api_tokens.manage"]})
    r = await sup.client.post(f"{api}/api-tokens", json={"name": "x", "role": "administrator"})
    assert r.status_code == 403
    r = await sup.client.post(f"{api}/api-tokens", json={"name": "x", "role": "agent"})
    assert r.status_code == 403  # does not hold the agent kind
    r = await sup.client.post(f"{api}/api-tokens", json={"name": "x", "role": "supervisor"})
    assert r.status_code == 201


async def test_an_unknown_login_locks_like_a_real_one(app, client, tenant, api):
    """The lock itself never tells whether the login exists."""
    user, _ = await _user(client, api)
    answers = []
    async with client_for(app, address="10.6.6.8") as c:
        for name in (user["login"], "no-such-login"):
            for _ in range(6):
                await login(c, tenant["slug"], name, "Not-The-Password-1!")
            r = await login(c, tenant["slug"], name, "Not-The-Password-1!")
            answers.append((r.status_code, r.headers.get("Retry-After"), r.json()))
    assert answers[0] == answers[1] and answers[0][:2] == (401, "300")


async def test_api_token_with_a_custom_role_oki10(app, api, signed_in):
    """An integration acts with a custom role (OKI-10), never beyond what its owner holds."""
    admin = await signed_in(["administrator"])
    role = (await admin.client.post(f"{api}/roles", json={
        "name": "Reporting", "permissions": ["audit.read", "statistics.read"]})).json()
    r = await admin.client.post(f"{api}/api-tokens",
                                json={"name": "bi", "role": f"role:{role['id']}"})
    assert r.status_code == 201, r.text
    async with client_for(app, r.json()["token"]) as bi:
        assert (await bi.get(f"{api}/audit")).status_code == 200
        assert (await bi.get(f"{api}/users")).status_code == 403
    r = await admin.client.post(f"{api}/api-tokens", json={"name": "bad", "role": "role:987654"})
    assert r.status_code == 422


async def test_deactivating_a_tenant_ends_its_sessions(app, anon, client, tenant, api):
    user, password = await _user(client, api)
    token = (await login(anon, tenant["slug"], user["login"], password)).json()["access_token"]
    async with client_for(app, token) as me:
        assert (await me.get("/api/v1/auth/me")).status_code == 200
        r = await client.patch(api, json={"active": False})
        assert r.status_code == 200, r.text
        assert (await me.get("/api/v1/auth/me")).status_code == 401
    assert (await login(anon, tenant["slug"], user["login"], password)).status_code == 401


async def test_twenty_concurrent_wrong_passwords_count_exactly_six_issue8(app, client, tenant,
                                                                           api):
    """Lock-out counted atomically (issue 8): 20 wrong passwords at once, each in its own
    transaction, lock the account after exactly 6 counted failures; the rest are refused by the
    lock and not counted, and the right password is then refused too."""
    import asyncio

    from roster.domains.auth.models import LoginLock
    from roster.domains.auth.service import lock_subject

    user, password = await _user(client, api)
    async with client_for(app, address="10.9.9.9") as c:
        answers = await asyncio.gather(*(login(c, tenant["slug"], user["login"],
                                               "Wrong-Password-1!") for _ in range(20)))
        assert {r.status_code for r in answers} == {401}
        r = await login(c, tenant["slug"], user["login"], password)
        assert r.status_code == 401 and r.json()["code"] == "locked"
    async with app.state.sessionmaker() as db:
        lock = await db.get(LoginLock, lock_subject(tenant["slug"], user["login"]))
    assert lock is not None and lock.locked_until is not None
    audit = (await client.get(f"{api}/audit", params={
        "entity": "user", "entity_id": str(user["id"]), "limit": 500})).json()["items"]
    reasons = [e["after"]["reason"] for e in audit if e["action"] == "login_failed"]
    assert reasons.count("bad_password") == 6, reasons
    assert reasons.count("locked") == 15  # 14 of the burst and the right password after it
    assert [e["action"] for e in audit].count("locked") == 1
