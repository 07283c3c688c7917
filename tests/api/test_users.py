"""The user form over the API: every field and rule of requirements §2, §4, §5."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import (
    free_pin,
    make_number,
    make_user,
    pl_number,
    sip_password,
    strong_password,
    user_body,
)


def error_codes(r) -> set[str]:
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    return {e["code"] for e in r.json().get("errors", [])}


async def counts(client, api) -> tuple[int, int]:
    users = (await client.get(f"{api}/users", params={"limit": 500})).json()["items"]
    audit = (await client.get(f"{api}/audit", params={"limit": 500})).json()["items"]
    return len(users), len(audit)


async def test_create_with_every_field(client, api, tenant):
    """FCC-1..16, FCC-30/31, FCC-40..49, OKI-20 in one create; secrets never come back."""
    did = await make_number(client, api)
    presentation = await make_number(client, api)
    pin = free_pin()
    body = user_body(
        full_name="Anna Kowalska", email="Anna.K@example.com", mobile="601 234 567",
        requires_daily_login=True, agent_pin=pin, visible=False, mobile_app=True,
        ms_teams=True, ms_teams_identity="anna@contoso.onmicrosoft.com",
        keep_station_on_logout=True, language="de", password=strong_password(),
        description="night shift", email_notifications=False, ticket_update_notifications=True,
        roles=["agent", "supervisor"],
        interactions={"call": 1, "email": 3, "sms": 0, "chat": 20, "call_blocks_other": False},
        did=did["number"], external_number="+48 22 555 66 77", extension="201",
        sip_password=sip_password(), recording=True, did_as_station=True,
        presentation_number=presentation["number"], data_transmission=True,
        blacklist="+48700*, 0048 22 111 22 33", whitelist=["+48700123456"],
        emergency_location={"region": "mazowieckie", "county": "Warszawa",
                            "commune": "Mokotów"},
        contact={"address": "ul. Puławska 1, Warszawa", "phone": "22 100 20 30"},
        communication_means=["web_workplace", "sip_phone"],
    )
    r = await client.post(f"{api}/users", json=body)
    assert r.status_code == 201, r.text
    u = r.json()
    assert r.headers["location"].endswith(f"/users/{u['id']}")
    assert u["email"] == "anna.k@example.com"
    assert u["mobile"] == "+48601234567"
    assert u["has_pin"] and u["has_password"] and u["has_sip_password"]
    assert u["roles"] == ["supervisor", "agent"]
    assert u["interactions"] == {"call": 1, "email": 3, "sms": 0, "chat": 20,
                                 "call_blocks_other": False}
    assert u["did"] == did["number"]
    assert u["external_number"] == "+48225556677"
    assert u["sip_username"] == f"201@{tenant['sip_domain']}"
    assert u["blacklist"] == ["+48700*", "+48221112233"]
    assert u["emergency_location"]["commune"] == "Mokotów"
    assert u["contact"]["phone"] == "+48221002030"
    assert u["language"] == "de"
    for secret in ("agent_pin", "password", "sip_password", "pin_digest", "password_hash",
                   "sip_ha1", "sip_ha1b"):
        assert secret not in u
    text = r.text
    assert pin not in text and body["password"] not in text and body["sip_password"] not in text


async def test_defaults_from_tenant_and_name_plus_email_is_enough(client, api, tenant):
    """OKI-40: a name and an e-mail are enough; the language defaults to the tenant's."""
    r = await client.post(f"{api}/users", json={"full_name": "Jan Nowak",
                                                "email": "jan@example.com"})
    assert r.status_code == 201, r.text
    u = r.json()
    assert u["login"] == "jan@example.com"
    assert u["language"] == tenant["default_language"]
    assert u["roles"] == ["agent"] and u["active"] and u["panel_access"]
    assert u["interactions"]["call"] == 1


@pytest.mark.parametrize("pin,code", [("12345", "pin_sequential"), ("54321", "pin_sequential"),
                                      ("34567", "pin_sequential"), ("11111", "pin_repeated"),
                                      ("1234", "pin_too_short"), ("12a45", "pin_not_digits")])
async def test_fcc5_bad_pin_refused_and_nothing_changes(client, api, pin, code):
    before = await counts(client, api)
    r = await client.post(f"{api}/users", json=user_body(agent_pin=pin))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "agent_pin"
    assert code in error_codes(r)
    assert await counts(client, api) == before


async def test_fcc5_pin_unique_in_tenant_not_across(client, api, operator_token):
    pin = free_pin()
    await make_user(client, api, agent_pin=pin)
    r = await client.post(f"{api}/users", json=user_body(agent_pin=pin))
    assert r.status_code == 409 and error_codes(r) == {"pin_taken"}
    other = await client.post("/api/v1/tenants", json={
        "slug": f"o{pin}", "name": "Other", "sip_domain": f"o{pin}.pbx.example"})
    r = await client.post(f"/api/v1/tenants/{other.json()['slug']}/users",
                          json=user_body(agent_pin=pin))
    assert r.status_code == 201


async def test_fcc4_daily_login_requires_pin(client, api):
    r = await client.post(f"{api}/users", json=user_body(requires_daily_login=True))
    assert r.status_code == 422 and "pin_required" in error_codes(r)
    u = await make_user(client, api, agent_pin=free_pin(), requires_daily_login=True)
    r = await client.patch(f"{api}/users/{u['id']}", json={"agent_pin": None})
    assert r.status_code == 422 and "pin_required" in error_codes(r)


@pytest.mark.parametrize("roles,pw,code", [
    (["agent"], "Abc1!xy", "password_too_short"),
    (["supervisor"], "Abcdef1!x", "password_too_short"),
    (["administrator"], "Abcdefgh1!x", "password_too_short"),
    (["agent", "administrator"], "Abcdefgh1!x", "password_too_short"),
    (["agent"], "abcdefgh1!", "password_no_upper"),
    (["agent"], "Abcdefghi!", "password_no_digit"),
    (["agent"], "Abcdefghi1", "password_no_special"),
])
async def test_fcc13_password_policy(client, api, roles, pw, code):
    r = await client.post(f"{api}/users", json=user_body(roles=roles, password=pw))
    assert r.status_code == 422 and code in error_codes(r)


async def test_fcc13_password_refusal_is_no_oracle_and_is_throttled_per_actor(
        client, api, signed_in, clock):
    """FCC-13: no two users share a password, but the refusal must not become an oracle: one
    code, a message that does not say why, and per actor the 6th refusal within 15 minutes
    answers 429, for any password (so the 429 tells nothing either)."""
    admin = await signed_in(["administrator"])
    taken = [strong_password() for _ in range(6)]
    for pw in taken:
        await make_user(client, api, password=pw)
    for pw in taken[:5]:
        r = await admin.client.post(f"{api}/users", json=user_body(password=pw))
        assert r.status_code == 422 and error_codes(r) == {"password_not_accepted"}, r.text
        assert r.json()["code"] == "password_not_accepted"
        text = r.text.lower()
        assert "user" not in text and "unique" not in text and "taken" not in text
    for pw in (taken[5], strong_password()):
        r = await admin.client.post(f"{api}/users", json=user_body(password=pw))
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0, r.text
    r = await client.post(f"{api}/users", json=user_body(password=strong_password()))
    assert r.status_code == 201  # another actor has its own budget
    clock.advance(minutes=15, seconds=1)
    r = await admin.client.post(f"{api}/users", json=user_body(password=strong_password()))
    assert r.status_code == 201


async def test_fcc13_role_change_raising_minimum_marks_must_change(client, api):
    u = await make_user(client, api, roles=["agent"], password="Agent-pw1!")  # 10 characters
    r = await client.patch(f"{api}/users/{u['id']}", json={"roles": ["agent", "supervisor"]})
    assert r.status_code == 200 and not r.json()["password_must_change"]  # 10 meets supervisor
    r = await client.patch(f"{api}/users/{u['id']}", json={"roles": ["administrator"]})
    assert r.status_code == 200 and r.json()["password_must_change"]
    r = await client.patch(f"{api}/users/{u['id']}",
                           json={"password": "Short-pw1!"})  # 10 < 12 for the administrator
    assert r.status_code == 422 and "password_too_short" in error_codes(r)
    r = await client.patch(f"{api}/users/{u['id']}", json={"password": strong_password()})
    assert r.status_code == 200 and not r.json()["password_must_change"]


async def test_fcc25_uc_requires_pbx(client, api):
    r = await client.post(f"{api}/users", json=user_body(roles=["uc_user"]))
    assert r.status_code == 422 and error_codes(r) == {"uc_requires_pbx"}
    u = await make_user(client, api, roles=["pbx_user", "uc_user"])
    r = await client.patch(f"{api}/users/{u['id']}", json={"roles": ["uc_user"]})
    assert r.status_code == 422 and error_codes(r) == {"uc_requires_pbx"}
    r = await client.post(f"{api}/users", json=user_body(roles=[]))
    assert r.status_code == 422 and error_codes(r) == {"roles_empty"}
    r = await client.post(f"{api}/users", json=user_body(roles=["root"]))
    assert r.status_code == 422


async def test_fcc42_extension_rules(client, api):
    await make_user(client, api, extension="300")
    r = await client.post(f"{api}/users", json=user_body(extension="300"))
    assert r.status_code == 409 and error_codes(r) == {"extension_taken"}
    r = await client.post(f"{api}/users", json=user_body(extension="30"))
    assert r.status_code == 422 and error_codes(r) == {"extension_too_short"}
    r = await client.post(f"{api}/users", json=user_body(extension="3x0"))
    assert r.status_code == 422 and error_codes(r) == {"extension_not_digits"}


async def test_fcc43_sip_password_rules_and_extension_link(client, api):
    r = await client.post(f"{api}/users", json=user_body(extension="401",
                                                         sip_password="short1!A"))
    assert r.status_code == 422 and "sip_password_too_short" in error_codes(r)
    r = await client.post(f"{api}/users", json=user_body(sip_password=sip_password()))
    assert r.status_code == 422 and "extension_required" in error_codes(r)
    u = await make_user(client, api, extension="402", sip_password=sip_password())
    r = await client.patch(f"{api}/users/{u['id']}", json={"extension": "403"})
    assert r.status_code == 422 and "sip_password_required" in error_codes(r)
    r = await client.patch(f"{api}/users/{u['id']}",
                           json={"extension": "403", "sip_password": sip_password()})
    assert r.status_code == 200 and r.json()["extension"] == "403"
    r = await client.patch(f"{api}/users/{u['id']}", json={"extension": None})
    assert r.json()["has_sip_password"] is False


async def test_fcc40_did_only_free_pool_numbers(client, api):
    n = await make_number(client, api)
    r = await client.post(f"{api}/users", json=user_body(did=pl_number()))
    assert r.status_code == 422 and error_codes(r) == {"number_not_in_pool"}
    a = await make_user(client, api, did=n["number"])
    free = (await client.get(f"{api}/numbers", params={"free": "true"})).json()["items"]
    assert n["number"] not in [x["number"] for x in free]
    r = await client.post(f"{api}/users", json=user_body(did=n["number"]))
    assert r.status_code == 409 and error_codes(r) == {"number_not_free"}
    # the pool refuses to drop an assigned number, then accepts once freed
    r = await client.delete(f"{api}/numbers/{n['id']}")
    assert r.status_code == 409 and error_codes(r) == {"number_assigned"}
    r = await client.patch(f"{api}/users/{a['id']}", json={"did": None})
    assert r.status_code == 200 and r.json()["did"] is None
    free = (await client.get(f"{api}/numbers", params={"free": "true"})).json()["items"]
    assert n["number"] in [x["number"] for x in free]
    assert (await client.delete(f"{api}/numbers/{n['id']}")).status_code == 204


async def test_fcc40_numbers_pool_normalises_and_is_unique(client, api):
    r = await client.post(f"{api}/numbers", json={"number": "22 765 43 21"})
    assert r.status_code == 201 and r.json() == {"id": r.json()["id"], "number": "+48227654321",
                                                 "assigned_to": None}
    r = await client.post(f"{api}/numbers", json={"number": "+48 22 765 43 21"})
    assert r.status_code == 409 and error_codes(r) == {"number_taken"}
    r = await client.post(f"{api}/numbers", json={"number": "123"})
    assert r.status_code == 422 and error_codes(r) == {"invalid_number"}


async def test_deleting_user_frees_did(client, api):
    n = await make_number(client, api)
    u = await make_user(client, api, did=n["number"])
    assert (await client.delete(f"{api}/users/{u['id']}")).status_code == 204
    assert (await client.get(f"{api}/users/{u['id']}")).status_code == 404
    got = (await client.get(f"{api}/numbers/{n['id']}")).json()
    assert got["assigned_to"] is None


async def test_fcc46_presentation_must_be_tenant_number(client, api):
    r = await client.post(f"{api}/users", json=user_body(presentation_number=pl_number()))
    assert r.status_code == 422 and error_codes(r) == {"presentation_not_owned"}
    n = await make_number(client, api)
    u = await make_user(client, api, presentation_number=n["number"])
    assert u["presentation_number"] == n["number"]


async def test_fcc3_mobile_must_be_valid(client, api):
    r = await client.post(f"{api}/users", json=user_body(mobile="12"))
    assert r.status_code == 422 and error_codes(r) == {"invalid_number"}
    assert r.json()["errors"][0]["field"] == "mobile"


async def test_fcc48_call_permission(client, api):
    u = await make_user(client, api, blacklist="+48700*,+48221112233",
                        whitelist="+48700123456, +48221112233")
    base = f"{api}/users/{u['id']}/call-permission"
    r = await client.get(base, params={"number": "700 123 456"})
    assert r.json() == {"number": "+48700123456", "allowed": True, "reason": "whitelisted",
                        "matched": "+48700123456"}
    r = await client.get(base, params={"number": "+48700555555"})
    assert r.json()["allowed"] is False and r.json()["reason"] == "blacklisted"
    r = await client.get(base, params={"number": "+48221112233"})  # on both lists
    assert r.json()["allowed"] is True
    r = await client.get(base, params={"number": "+48601234567"})
    assert r.json() == {"number": "+48601234567", "allowed": True, "reason": "not_listed",
                        "matched": None}
    r = await client.get(base, params={"number": "abc"})
    assert r.status_code == 422


async def test_fcc30_interactions_bounds(client, api):
    r = await client.post(f"{api}/users", json=user_body(interactions={"call": 2}))
    assert r.status_code == 422 and error_codes(r) == {"call_fixed"}
    r = await client.post(f"{api}/users", json=user_body(interactions={"email": 21}))
    assert r.status_code == 422 and error_codes(r) == {"too_large"}
    assert r.json()["errors"][0]["field"] == "interactions.email"
    r = await client.post(f"{api}/users", json=user_body(interactions={"chat": -1}))
    assert r.status_code == 422 and error_codes(r) == {"too_small"}


async def test_fcc12_language_choices(client, api):
    for lang in ("pl", "en", "de", "ru", "uk"):
        assert (await make_user(client, api, language=lang))["language"] == lang
    r = await client.post(f"{api}/users", json=user_body(language="fr"))
    assert r.status_code == 422 and error_codes(r) == {"invalid_choice"}


async def test_strict_types_and_unknown_fields(client, api):
    r = await client.post(f"{api}/users", json=user_body(active="yes"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "active"
    r = await client.post(f"{api}/users", json=user_body(extension=300))
    assert r.status_code == 422
    r = await client.post(f"{api}/users", json=user_body(is_superuser=True))
    assert r.status_code == 422 and error_codes(r) == {"unknown_field"}


async def test_fcc1_full_name_required(client, api):
    r = await client.post(f"{api}/users", json={"login": "nameless"})
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("full_name", "required")]
    r = await client.post(f"{api}/users", json=user_body(full_name=""))
    assert r.status_code == 422 and error_codes(r) == {"too_short"}


async def test_fcc2_login_unique_and_required(client, api):
    u = await make_user(client, api)
    r = await client.post(f"{api}/users", json=user_body(login=u["login"]))
    assert r.status_code == 409 and error_codes(r) == {"login_taken"}
    r = await client.post(f"{api}/users", json={"full_name": "No Login"})
    assert r.status_code == 422 and error_codes(r) == {"required"}
    r = await client.patch(f"{api}/users/{u['id']}", json={"full_name": None})
    assert r.status_code == 422


async def test_xt1_other_tenant_objects_are_404(client, api):
    u = await make_user(client, api)
    r = await client.post("/api/v1/tenants", json={"slug": f"x{u['id']}x{u['login'][-4:]}",
                                                   "name": "X",
                                                   "sip_domain": f"x{u['login']}.pbx.example"})
    other = f"/api/v1/tenants/{r.json()['slug']}"
    assert (await client.get(f"{other}/users/{u['id']}")).status_code == 404
    assert (await client.patch(f"{other}/users/{u['id']}", json={"visible": False})
            ).status_code == 404
    assert (await client.delete(f"{other}/users/{u['id']}")).status_code == 404
    assert (await client.get("/api/v1/tenants/no-such-tenant/users")).status_code == 404


async def test_list_filters_search_and_cursor(client, api):
    g = (await client.post(f"{api}/groups", json={"name": "Night", "color": "#112233"})).json()
    await client.post(f"{api}/skills", json={"name": "english"})
    a = await make_user(client, api, full_name="Zofia Zielińska", roles=["supervisor"],
                        extension="501")
    b = await make_user(client, api, full_name="Marek Mazur", active=False, extension="502")
    c = await make_user(client, api, full_name="Ola Nowak", email="ola@example.com")
    await client.post(f"{api}/groups/{g['id']}/members", json={"user_id": b["id"]})
    await client.put(f"{api}/users/{c['id']}/skills", json=[{"skill": "english", "level": 4}])

    async def ids(**params):
        r = await client.get(f"{api}/users", params=params)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert await ids(role="supervisor") == [a["id"]]
    assert await ids(active="false") == [b["id"]]
    assert await ids(group=g["id"]) == [b["id"]]
    assert await ids(skill="english") == [c["id"]]
    assert await ids(q="mazur") == [b["id"]]
    assert await ids(q="OLA@EXAMPLE") == [c["id"]]
    assert await ids(q="502") == [b["id"]]
    assert await ids(q="%") == []
    # cursor pagination walks every user once, in a stable order
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{api}/users", params=params)).json()
        seen += [x["id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) == [a["id"], b["id"], c["id"]]
    r = await client.get(f"{api}/users", params={"cursor": "garbage!"})
    assert r.status_code == 422 and error_codes(r) == {"invalid_cursor"}


async def test_fcc50_fcc51_skills_and_groups_on_user(client, api):
    await client.post(f"{api}/skills", json={"name": "english"})
    sk = (await client.post(f"{api}/skills", json={"name": "german"})).json()
    g = (await client.post(f"{api}/groups", json={"name": "Sales", "color": "#a1b2c3"})).json()
    assert g["color"] == "#A1B2C3"
    u = await make_user(client, api)
    r = await client.put(f"{api}/users/{u['id']}/skills",
                         json=[{"skill": "english", "level": 4}, {"skill": "german", "level": 2}])
    assert r.status_code == 200
    r = await client.put(f"{api}/users/{u['id']}/skills", json=[{"skill": "english", "level": 6}])
    assert r.status_code == 422
    r = await client.put(f"{api}/users/{u['id']}/skills", json=[{"skill": "klingon", "level": 1}])
    assert r.status_code == 422 and error_codes(r) == {"unknown_skill"}
    r = await client.put(f"{api}/users/{u['id']}/skills/{sk['id']}", json={"level": 5})
    assert r.json() == {"skill": "german", "level": 5}
    await client.post(f"{api}/groups/{g['id']}/members", json={"user_id": u["id"]})
    r = await client.post(f"{api}/groups/{g['id']}/members", json={"user_id": u["id"]})
    assert r.status_code == 409
    got = (await client.get(f"{api}/users/{u['id']}")).json()
    assert got["skills"] == [{"skill": "english", "level": 4}, {"skill": "german", "level": 5}]
    assert got["groups"] == [{"id": g["id"], "name": "Sales", "color": "#A1B2C3"}]
    r = await client.post(f"{api}/groups", json={"name": "Bad", "color": "red"})
    assert r.status_code == 422 and error_codes(r) == {"invalid_color"}


async def test_x1_audit_records_changes_with_secrets_redacted(client, api):
    pw, sip = strong_password(), sip_password()
    u = await make_user(client, api, password=pw, extension="601", sip_password=sip,
                        agent_pin=free_pin())
    await client.patch(f"{api}/users/{u['id']}", json={"full_name": "Renamed", "recording": True},
                       headers={"X-Request-ID": "req-audit-1"})
    r = await client.get(f"{api}/audit", params={"entity": "user", "entity_id": str(u["id"])})
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["create", "update"]
    created, updated = entries
    assert created["after"]["password_hash"] == "[redacted]"
    assert created["after"]["sip_ha1"] == "[redacted]"
    assert created["after"]["pin_digest"] == "[redacted]"
    assert created["actor"].startswith("operator:")
    assert pw not in r.text and sip not in r.text
    assert updated["request_id"] == "req-audit-1"
    assert updated["before"] == {"full_name": u["full_name"], "recording": False} | {
        k: v for k, v in updated["before"].items() if k == "updated_at"}
    assert updated["after"]["full_name"] == "Renamed" and updated["after"]["recording"] is True
    r = await client.get(f"{api}/audit", params={"request_id": "req-audit-1"})
    assert len(r.json()["items"]) == 1


async def test_rejected_update_changes_nothing(client, api):
    u = await make_user(client, api, extension="701")
    before = await counts(client, api)
    r = await client.patch(f"{api}/users/{u['id']}",
                           json={"full_name": "Changed", "agent_pin": "11111"})
    assert r.status_code == 422
    assert (await client.get(f"{api}/users/{u['id']}")).json()["full_name"] == u["full_name"]
    assert await counts(client, api) == before


@pytest.mark.parametrize("field,value,code", [("extension", "800", "extension_taken"),
                                              ("agent_pin", None, "pin_taken")])
async def test_race_same_value_one_wins(client, api, field, value, code):
    """20 concurrent creates with the same extension or PIN: one 201, the rest 409, no 500."""
    value = value or free_pin()
    bodies = [user_body(**{field: value}) for _ in range(20)]
    results = await asyncio.gather(*(client.post(f"{api}/users", json=b) for b in bodies))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * 19, statuses
    for r in results:
        if r.status_code == 409:
            assert error_codes(r) == {code}


async def test_race_same_did_one_wins(client, api):
    n = await make_number(client, api)
    results = await asyncio.gather(*(client.post(f"{api}/users", json=user_body(did=n["number"]))
                                     for _ in range(10)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * 9, statuses


async def test_oki30_group_colour_checked_on_update_too(client, api):
    g = (await client.post(f"{api}/groups", json={"name": "Day", "color": "#000000"})).json()
    for bad in ("", "#12345", "blue"):
        r = await client.patch(f"{api}/groups/{g['id']}", json={"color": bad})
        assert r.status_code == 422 and error_codes(r) == {"invalid_color"}
    assert (await client.get(f"{api}/groups/{g['id']}")).json()["color"] == "#000000"


async def test_empty_patch_refused(client, api):
    u = await make_user(client, api)
    r = await client.patch(f"{api}/users/{u['id']}", json={})
    assert r.status_code == 422 and error_codes(r) == {"empty_update"}


@pytest.mark.parametrize("rule,field,value", [
    ("FCC-6", "active", False), ("FCC-7", "visible", False), ("FCC-8", "panel_access", False),
    ("FCC-9", "mobile_app", True), ("FCC-10", "ms_teams_identity", "ann@contoso.example"),
    ("FCC-11", "keep_station_on_logout", True), ("FCC-14", "description", "Team lead"),
    ("FCC-14", "email_notifications", False), ("FCC-14", "ticket_update_notifications", True),
    ("FCC-44", "recording", True), ("FCC-45", "did_as_station", True),
    ("FCC-47", "data_transmission", True),
    ("FCC-49", "emergency_location", {"region": "małopolskie", "county": "Kraków",
                                      "commune": "Kraków-Podgórze"}),
    ("OKI-20", "communication_means", ["work_number", "personal_number"]),
    ("FCC-41", "external_number", "+48226667788"),
])
async def test_form_flags_round_trip_and_are_audited(client, api, rule, field, value):
    """Each field of the form is stored, shown, and its change is in the audit log."""
    u = await make_user(client, api)
    r = await client.patch(f"{api}/users/{u['id']}", json={field: value})
    assert r.status_code == 200, (rule, r.text)
    assert r.json()[field] == value, rule
    assert (await client.get(f"{api}/users/{u['id']}")).json()[field] == value
    entries = (await client.get(f"{api}/audit", params={"entity": "user", "action": "update",
                                                        "entity_id": str(u["id"])})).json()
    assert len(entries["items"]) == 1, rule


async def test_fcc10_teams_identity_has_upn_form_and_is_required_with_the_flag(client, api):
    r = await client.post(f"{api}/users", json=user_body(ms_teams=True))
    assert r.status_code == 422 and error_codes(r) == {"teams_identity_required"}
    for bad in ("ann", "ann@", "ann@contoso", "ann@@contoso.example", "a b@contoso.example"):
        r = await client.post(f"{api}/users", json=user_body(ms_teams_identity=bad))
        assert r.status_code == 422 and error_codes(r) == {"invalid_teams_identity"}, bad
    u = await make_user(client, api, ms_teams=True,
                        ms_teams_identity="ann.k@contoso.onmicrosoft.com")
    assert u["ms_teams"] and u["ms_teams_identity"] == "ann.k@contoso.onmicrosoft.com"
    r = await client.patch(f"{api}/users/{u['id']}", json={"ms_teams_identity": None})
    assert r.status_code == 422 and error_codes(r) == {"teams_identity_required"}
    r = await client.patch(f"{api}/users/{u['id']}",
                           json={"ms_teams": False, "ms_teams_identity": None})
    assert r.status_code == 200 and r.json()["ms_teams"] is False


async def test_oki20_unknown_communication_mean_refused(client, api):
    r = await client.post(f"{api}/users", json=user_body(communication_means=["pigeon"]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("communication_means")
