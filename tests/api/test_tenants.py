"""Tenants (X-T1, DAK-1, SIPL-1)."""

from __future__ import annotations

import secrets

from tests.factories import make_user, sip_password


def body(**kw) -> dict:
    slug = f"t{secrets.token_hex(4)}"
    return {"slug": slug, "name": "Acme", "sip_domain": f"{slug}.pbx.example"} | kw


async def test_xt1_create_and_list(client):
    b = body(time_zone="Europe/Kyiv", default_language="uk", phone_region="UA")
    r = await client.post("/api/v1/tenants", json=b)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/api/v1/tenants/{b['slug']}"
    t = r.json()
    assert (t["slug"], t["time_zone"], t["default_language"], t["phone_region"]) == (
        b["slug"], "Europe/Kyiv", "uk", "UA")
    slugs, cursor = [], None
    while True:
        page = (await client.get("/api/v1/tenants",
                                 params={"limit": 100} | ({"cursor": cursor} if cursor else {})
                                 )).json()
        slugs += [x["slug"] for x in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert b["slug"] in slugs


async def test_sipl1_sip_domain_unique_in_installation(client):
    first = body()
    assert (await client.post("/api/v1/tenants", json=first)).status_code == 201
    r = await client.post("/api/v1/tenants", json=body(sip_domain=first["sip_domain"].upper()))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "sip_domain_taken"
    r = await client.post("/api/v1/tenants", json=body(slug=first["slug"]))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "slug_taken"


async def test_tenant_fields_validated(client):
    for kw, code in [({"slug": "Bad Slug"}, "invalid_slug"),
                     ({"sip_domain": "no_dots"}, "invalid_domain"),
                     ({"time_zone": "Mars/Olympus"}, "invalid_time_zone"),
                     ({"phone_region": "ZZ"}, "invalid_region"),
                     ({"default_language": "fr"}, "invalid_choice")]:
        r = await client.post("/api/v1/tenants", json=body(**kw))
        assert r.status_code == 422, kw
        assert r.json()["errors"][0]["code"] == code


async def test_sip_domain_change_refused_while_lines_depend_on_it(client, api, tenant):
    """HA1 digests include the SIP domain: changing it would silently break every phone."""
    r = await client.patch(api, json={"sip_domain": f"new-{tenant['sip_domain']}"})
    assert r.status_code == 200
    await make_user(client, api, extension="100", sip_password=sip_password())
    r = await client.patch(api, json={"sip_domain": f"again-{tenant['sip_domain']}"})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "sip_domain_in_use"


async def test_unauthenticated_and_bad_token(anon, api):
    r = await anon.get(f"{api}/users")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    r = await anon.get(f"{api}/users", headers={"Authorization": "Bearer rop_forged"})
    assert r.status_code == 401
