"""X-5, FCC-42/43, SIPL-1, WEB-20: users provisioned through the API register on a real Kamailio
reading Roster's database; changes are live for the next REGISTER and drop old registrations.

Kamailio answers a wrong password, an unknown or a deactivated account with **403 Forbidden**
after the digest challenge (401), not with a second 401: auth_check returns -2/-3 and the
configuration replies 403 (see kamailio.cfg.tmpl, route[AUTH])."""

from __future__ import annotations

import secrets

import pytest

from tests.factories import sip_password, user_body

pytestmark = pytest.mark.sip


async def _tenant(served) -> dict:
    slug = f"s-{secrets.token_hex(4)}"
    r = await served.post("/api/v1/tenants", json={
        "slug": slug, "name": slug, "sip_domain": f"{slug}.pbx.example", "time_zone": "Europe/Warsaw"})
    assert r.status_code == 201, r.text
    return r.json()


async def _line(served, tenant: dict, ext: str, **extra) -> tuple[dict, str]:
    password = sip_password()
    r = await served.post(f"/api/v1/tenants/{tenant['slug']}/users",
                          json=user_body(extension=ext, sip_password=password, **extra))
    assert r.status_code == 201, r.text
    return r.json(), password


async def test_register_wrong_password_deactivate_and_password_change(sip_stack, served):
    """X-5: create → 200; wrong password → 403; deactivate → registration gone and 403;
    reactivate; new SIP password → old registration gone, old password 403, new one 200."""
    tenant = await _tenant(served)
    domain = tenant["sip_domain"]
    user, password = await _line(served, tenant, "1001")
    aor = f"1001@{domain}"
    assert user["sip_username"] == aor

    assert sip_stack.register("1001", domain, password) == 0
    assert len(sip_stack.contacts(aor)) == 1
    assert sip_stack.register_refused("1001", domain, password + "x") == 0
    assert sip_stack.register_refused("1999", domain, password) == 0  # unknown account

    url = f"/api/v1/tenants/{tenant['slug']}/users/{user['id']}"
    assert (await served.patch(url, json={"active": False})).status_code == 200
    assert sip_stack.contacts(aor) == []  # dropped after commit, before the answer
    assert sip_stack.register_refused("1001", domain, password) == 0

    assert (await served.patch(url, json={"active": True})).status_code == 200
    assert sip_stack.register("1001", domain, password) == 0
    assert len(sip_stack.contacts(aor)) == 1

    new_password = sip_password()
    assert (await served.patch(url, json={"sip_password": new_password})).status_code == 200
    assert sip_stack.contacts(aor) == []
    assert sip_stack.register_refused("1001", domain, password) == 0
    assert sip_stack.register("1001", domain, new_password) == 0


async def test_bad_sip_password_never_reaches_the_registrar(sip_stack, served):
    """FCC-43: a weak SIP password is refused by the API; nothing can register."""
    tenant = await _tenant(served)
    r = await served.post(f"/api/v1/tenants/{tenant['slug']}/users",
                          json=user_body(extension="1002", sip_password="short"))
    assert r.status_code == 422
    assert sip_stack.register_refused("1002", tenant["sip_domain"], "short") == 0


async def test_delete_user_and_deactivate_tenant_drop_registrations(sip_stack, served):
    """X-5: deleting a user, or deactivating its tenant, drops its registrations."""
    tenant = await _tenant(served)
    domain = tenant["sip_domain"]
    a, pa = await _line(served, tenant, "2001")
    b, pb = await _line(served, tenant, "2002")
    assert sip_stack.register("2001", domain, pa) == 0
    assert sip_stack.register("2002", domain, pb) == 0

    r = await served.delete(f"/api/v1/tenants/{tenant['slug']}/users/{a['id']}")
    assert r.status_code == 204
    assert sip_stack.contacts(f"2001@{domain}") == []
    assert len(sip_stack.contacts(f"2002@{domain}")) == 1

    r = await served.patch(f"/api/v1/tenants/{tenant['slug']}", json={"active": False})
    assert r.status_code == 200, r.text
    assert sip_stack.contacts(f"2002@{domain}") == []
    assert sip_stack.register_refused("2002", domain, pb) == 0


async def test_registrations_listed_through_the_api(sip_stack, served):
    tenant = await _tenant(served)
    _, password = await _line(served, tenant, "3001")
    assert sip_stack.register("3001", tenant["sip_domain"], password) == 0
    r = await served.get(f"/api/v1/tenants/{tenant['slug']}/sip/registrations")
    assert r.status_code == 200, r.text
    assert [x["aor"] for x in r.json()] == [f"3001@{tenant['sip_domain']}"]
    assert r.json()[0]["contacts"][0]["address"].startswith("sip:3001@127.")
