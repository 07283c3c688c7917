"""The panel over HTTP (no browser): sessions, CSRF, permissions, services' refusals, languages.

Run on SQLite and PostgreSQL like the API tests."""

from __future__ import annotations

import re

from tests.conftest import unique
from tests.factories import make_number, make_user, strong_password
from tests.web.conftest import PanelClient


async def test_root_sends_strangers_to_sign_in_and_the_api_keeps_problem_json(app, anon):
    r = await anon.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = await anon.get("/users")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fusers")
    page = await anon.get("/no/such/page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    api = await anon.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


async def test_cookie_flags_httponly_samesite_lax_and_secure_over_https(app, client, api, tenant):
    password = strong_password("Cookie-Pass-Long")
    user = await make_user(client, api, roles=["administrator"], password=password)
    for base, secure in (("http://roster.test", False), ("https://roster.test", True)):
        pc = PanelClient(app, base)
        r = await pc.sign_in(tenant["slug"], user["login"], password)
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert ("Secure" in cookie) is secure, cookie
        page = await pc.get("/profile")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        await pc.http.aclose()


async def test_unsafe_request_without_valid_csrf_token_is_refused_and_changes_nothing(
        panel_as, client, api):
    pc, _ = await panel_as(["administrator"])
    await pc.get("/users/new")
    email = "csrf.victim@example.com"
    for token in (None, "forged", pc.csrf[:-2] + "xx"):
        data = {"full_name": "Forged", "email": email}
        if token is not None:
            data["csrf_token"] = token
        r = await pc.post("/users/new", data, csrf=False)
        assert r.status_code == 403, r.status_code
    found = (await client.get(f"{api}/users", params={"q": email})).json()["items"]
    assert found == []
    # the same form with the page's token goes through
    r = await pc.post("/users/new", {"full_name": "Real", "email": email})
    assert r.status_code == 303
    assert (await client.get(f"{api}/users", params={"q": email})).json()["items"]


async def test_csrf_token_of_another_session_is_refused(app, panel_as):
    pc, _ = await panel_as(["administrator"])
    other = PanelClient(app)
    await other.get("/login")
    await pc.get("/profile")
    r = await pc.post("/logout", {"csrf_token": other.csrf}, csrf=False)
    assert r.status_code == 403
    assert (await pc.get("/profile")).status_code == 200  # still signed in
    await other.http.aclose()


async def test_sign_in_refusals_answer_as_the_api_fcc6(app, client, api, tenant):
    password = strong_password("Inactive-Pass-L")
    inactive = await make_user(client, api, roles=["agent"], password=password, active=False)
    pc = PanelClient(app)
    r = await pc.sign_in(tenant["slug"], inactive["login"], password)
    assert r.status_code == 401 and "Wrong login or password." in r.text
    assert 'value="' + inactive["login"] + '"' in r.text  # the form keeps what was typed
    active = await make_user(client, api, roles=["agent"], password=password + "x")
    for _ in range(6):
        r = await pc.post("/login", {"tenant": tenant["slug"], "login": active["login"],
                                     "password": "wrong"})
    r = await pc.post("/login", {"tenant": tenant["slug"], "login": active["login"],
                                 "password": password + "x"})
    assert r.status_code == 401 and "locked" in r.text
    await pc.http.aclose()


async def test_what_a_person_may_not_do_is_not_offered_and_the_service_still_refuses(
        panel_as, client, api):
    """An agent sees no user list and no admin menu; forcing the address answers 403 and a
    forced write changes nothing. A supervisor editing an administrator is refused (FCC-21)."""
    agent, _ = await panel_as(["agent"])
    page = await agent.get("/profile")
    assert page.status_code == 200
    assert 'href="/users"' not in page.text and 'href="/roles"' not in page.text
    assert (await agent.get("/users")).status_code == 403
    r = await agent.post("/users/new", {"full_name": "Sneaky", "email": "sneaky@example.com"})
    assert r.status_code == 403
    assert not (await client.get(f"{api}/users", params={"q": "sneaky@"})).json()["items"]

    admin = await make_user(client, api, roles=["administrator"], full_name="The Admin")
    sup, _ = await panel_as(["supervisor"])
    page = await sup.get("/users")
    assert page.status_code == 200
    assert 'href="/users/new"' not in page.text  # no users.create: no "Add user"
    # the administrator is outside the supervisor's scope: 404; the service refuses
    r = await sup.post(f"/users/{admin['id']}/basic", {"full_name": "Renamed", "login":
                                                       admin["login"], "language": "en"})
    assert r.status_code in (403, 404)
    assert (await client.get(f"{api}/users/{admin['id']}")).json()["full_name"] == "The Admin"


async def test_create_with_name_and_email_sends_invitation_oki40(panel_as, mailbox, tenant):
    pc, _ = await panel_as(["administrator"])
    await pc.get("/users/new")
    email = f"{unique('ola.')}@example.com"
    r = await pc.post("/users/new", {"full_name": "Ola Nowak", "email": email, "language": "pl"})
    assert r.status_code == 303 and re.match(r"/users/\d+/basic\?created=1", r.headers["location"])
    (msg,) = await mailbox.wait_for(email)  # the outbox sends it after commit
    body = msg.get_body(preferencelist=("plain",)).get_content()
    key = re.search(r"/set-password/(\S+)", body).group(1)
    anon = PanelClient(pc.http._transport.app)
    page = await anon.get(f"/set-password/{key}")
    assert page.status_code == 200 and 'lang="pl"' in page.text and "Ustaw hasło" in page.text
    weak = await anon.post(f"/set-password/{key}", {"password": "short"})
    assert weak.status_code == 422 and "Hasło jest za krótkie" in weak.text
    done = await anon.post(f"/set-password/{key}", {"password": strong_password("Nowe-Haslo")})
    assert done.status_code == 200 and "Hasło zostało ustawione" in done.text
    assert (await anon.get(f"/set-password/{key}")).status_code == 410
    await anon.http.aclose()


async def test_field_errors_beside_their_field_in_the_users_language_and_kept_values(
        panel_as, client, api):
    pc, me = await panel_as(["administrator"], language="ru")
    await pc.get("/users/new")
    r = await pc.post("/users/new", {"full_name": "Вася", "email": "vasya@example.com",
                                     "agent_pin": "12345", "mobile": "12"})
    assert r.status_code == 422
    assert 'lang="ru"' in r.text
    assert "PIN оператора не может быть последовательностью цифр" in r.text
    assert re.search(r'id="f-mobile"[^>]*aria-invalid="true"', r.text)
    assert 'value="vasya@example.com"' in r.text and 'value="12"' in r.text
    assert not (await client.get(f"{api}/users", params={"q": "vasya@"})).json()["items"]


async def test_language_from_query_is_kept_for_the_session_then_user_setting_fcc12(
        panel_as):
    pc, _ = await panel_as(["administrator"], language="de")
    assert 'lang="de"' in (await pc.get("/profile")).text
    assert 'lang="uk"' in (await pc.get("/profile?lang=uk")).text
    assert 'lang="uk"' in (await pc.get("/users")).text  # kept for the session
    # saving the profile language makes the setting speak again
    r = await pc.post("/profile", {"full_name": "X Y", "email": "", "language": "pl"})
    assert r.status_code == 200 and 'lang="pl"' in r.text
    assert 'lang="pl"' in (await pc.get("/users")).text


async def test_browser_language_on_the_sign_in_page(app):
    pc = PanelClient(app)
    r = await pc.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert 'lang="ru"' in r.text and "Войти" in r.text
    for code in ("pl", "en", "de", "ru", "uk"):
        assert f'href="?lang={code}"' in r.text  # the language switch
    await pc.http.aclose()


async def test_did_offered_only_from_free_numbers_and_assigned_fcc40(panel_as, client, api):
    pc, _ = await panel_as(["administrator"])
    free = await make_number(client, api)
    taken = await make_number(client, api)
    await make_user(client, api, did=taken["number"])
    user = await make_user(client, api, extension="731")
    page = await pc.get(f"/users/{user['id']}/telephony")
    did_select = re.search(r'<select[^>]*id="f-did".*?</select>', page.text, re.S).group(0)
    assert f'value="{free["number"]}"' in did_select
    assert f'value="{taken["number"]}"' not in did_select
    r = await pc.post(f"/users/{user['id']}/telephony", {"did": free["number"],
                                                         "extension": "731"})
    assert r.status_code == 303, r.text
    assert (await client.get(f"{api}/users/{user['id']}")).json()["did"] == free["number"]
    r = await pc.post(f"/users/{user['id']}/telephony", {"did": taken["number"],
                                                         "extension": "731"})
    assert r.status_code == 409 or r.status_code == 422
    assert "This number is not free." in r.text


async def test_queue_priority_from_the_user_form_oki32(panel_as, client, api):
    pc, _ = await panel_as(["administrator"])
    queue = (await client.post(f"{api}/queues", json={"name": "support"})).json()
    user = await make_user(client, api)
    await pc.get(f"/users/{user['id']}/queues")
    r = await pc.post(f"/users/{user['id']}/queues", {"queue": f"queue:{queue['id']}",
                                                      "priority": "101"})
    assert r.status_code == 422 and "A priority is a whole number 0-100." in r.text
    r = await pc.post(f"/users/{user['id']}/queues", {"queue": f"queue:{queue['id']}",
                                                      "priority": "0"})
    assert r.status_code == 303
    members = (await client.get(f"{api}/queues/{queue['id']}/members")).json()["items"]
    assert [(m["user_id"], m["priority"]) for m in members] == [(user["id"], 0)]


async def test_switch_role_without_signing_in_again_fcc20(panel_as):
    pc, _ = await panel_as(["administrator", "agent"])
    page = await pc.get("/profile/role")
    assert 'value="agent"' in page.text
    r = await pc.post("/profile/role", {"role": "agent"})
    assert r.status_code == 303
    assert (await pc.get("/users")).status_code == 403  # acting as an agent now
    r = await pc.post("/profile/role", {"role": "supervisor"})  # not held
    assert r.status_code == 403


async def test_bulk_deactivate_and_add_to_group_in_one_transaction(panel_as, client, api):
    pc, _ = await panel_as(["administrator"])
    a, b = await make_user(client, api), await make_user(client, api)
    group = (await client.post(f"{api}/groups", json={"name": "night", "color": "#112233"})
             ).json()
    await pc.get("/users")
    r = await pc.post("/users/bulk", {"ids": [str(a["id"]), str(b["id"])],
                                      "action": "add_group", "group": str(group["id"])})
    assert r.status_code == 303
    r = await pc.post("/users/bulk", {"ids": [str(a["id"]), str(b["id"])],
                                      "action": "deactivate"})
    assert r.status_code == 303
    for u in (a, b):
        got = (await client.get(f"{api}/users/{u['id']}")).json()
        assert got["active"] is False and [g["id"] for g in got["groups"]] == [group["id"]]


async def test_users_list_sorted_and_paged_through_the_api_cursor(panel_as, client, api):
    pc, me = await panel_as(["administrator"], full_name="Zz Last")
    for name in ("Bb", "Aa", "Cc"):
        await make_user(client, api, full_name=name)
    page = await pc.get("/users?sort=-full_name")
    names = re.findall(r'href="/users/\d+/basic">([^<]+)</a>', page.text)
    assert names == sorted(names, reverse=True) and names[0] == "Zz Last"


async def test_sign_out_everywhere_ends_every_session_x_ui3(app, panel_as, tenant):
    pc, user = await panel_as(["agent"])
    page = await pc.get("/profile")
    assert "Sign out everywhere" in page.text
    r = await pc.post("/profile/sessions/end-all")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert (await pc.get("/profile")).status_code == 303


def test_every_panel_page_declares_who_may_open_it(app):
    """Like the API's matrix: each page depends on Allowed(permission) or is public on purpose."""
    from roster.core.routing import flat_routes
    from roster.web.panel import PanelRequires, PanelRoute, public

    undeclared = []
    for route in flat_routes(app):
        if not isinstance(route, PanelRoute):
            continue
        calls = {d.call for d in route.dependant.dependencies}
        if not any(isinstance(c, PanelRequires) or c is public for c in calls):
            undeclared.append(f"{sorted(route.methods)} {route.path}")
    assert not undeclared, undeclared
    public_pages = sorted({r.path for r in flat_routes(app) if isinstance(r, PanelRoute)
                          and any(d.call is public for d in r.dependant.dependencies)})
    assert public_pages == sorted({"/", "/login", "/login/operator", "/set-password/{key}",
                                   "/set-password/{key}/check", "/password-recovery"})


async def test_password_policy_shown_as_you_type_from_the_same_rule_fcc13(panel_as):
    """The checklist beside the new password is the users rule's verdict (12 for an admin)."""
    pc, _ = await panel_as(["administrator"])
    await pc.get("/profile")
    weak = await pc.post("/profile/password/check", {"password": "abc"})
    assert weak.status_code == 200 and "At least 12 characters" in weak.text
    assert weak.text.count("text-success") == 0
    strong = await pc.post("/profile/password/check", {"password": "Abcdefgh1234!"})
    assert strong.text.count("text-success") == 4
    # a supervisor's minimum is 10
    sup, _ = await panel_as(["supervisor"])
    await sup.get("/profile")
    assert "At least 10 characters" in (await sup.post("/profile/password/check",
                                                       {"password": "x"})).text
