"""FCC-4: feature codes dialled from a registered phone through Kamailio change the agent's state
in Roster (http_client → POST /api/v1/sip/feature-code → 603 Feature Code Accepted)."""

from __future__ import annotations

import pytest

from tests.factories import free_pin, sip_password, user_body
from tests.sip.test_registrar import _tenant

pytestmark = pytest.mark.sip


async def _state(served, tenant, user) -> str:
    r = await served.get(f"/api/v1/tenants/{tenant['slug']}/users/{user['id']}/agent-state")
    assert r.status_code == 200, r.text
    return r.json()["state"]


async def test_fcc4_feature_codes_from_the_phone(sip_stack, served):
    """FCC-4: #300# ready for campaigns, #302# ready outside campaigns, 404# logs out."""
    tenant = await _tenant(served)
    domain = tenant["sip_domain"]
    password = sip_password()
    r = await served.post(f"/api/v1/tenants/{tenant['slug']}/users", json=user_body(
        extension="4001", sip_password=password, requires_daily_login=True, agent_pin=free_pin()))
    assert r.status_code == 201, r.text
    user = r.json()
    assert await _state(served, tenant, user) == "logged_out"

    assert sip_stack.dial("4001", domain, password, "#300#") == "603 Feature Code Accepted"
    assert await _state(served, tenant, user) == "ready_campaign"
    assert sip_stack.dial("4001", domain, password, "#302#") == "603 Feature Code Accepted"
    assert await _state(served, tenant, user) == "ready_other"
    assert sip_stack.dial("4001", domain, password, "404#") == "603 Feature Code Accepted"
    assert await _state(served, tenant, user) == "logged_out"

    r = await served.get(f"/api/v1/tenants/{tenant['slug']}/users/{user['id']}/agent-state/history")
    assert [(h["state"], h["source"]) for h in r.json()["items"]] == [
        ("ready_campaign", "phone"), ("ready_other", "phone"), ("logged_out", "phone")]
    audit = (await served.get(f"/api/v1/tenants/{tenant['slug']}/audit",
                              params={"limit": 500})).json()["items"]
    assert any(e["entity"] == "agent_state" for e in audit)


async def test_fcc4_refused_codes_change_nothing(sip_stack, served):
    """FCC-4: an unknown code, a wrong password, and an unregistered extension are refused
    (Roster is not even called for the last) and the state does not change."""
    tenant = await _tenant(served)
    domain = tenant["sip_domain"]
    lines = {}
    for ext in ("4101", "4102"):
        password = sip_password()
        r = await served.post(f"/api/v1/tenants/{tenant['slug']}/users",
                              json=user_body(extension=ext, sip_password=password))
        assert r.status_code == 201, r.text
        lines[ext] = (r.json(), password)

    user, password = lines["4101"]
    assert sip_stack.dial("4101", domain, password, "#399#").startswith("404")
    assert sip_stack.dial("4101", domain, password, "12345").startswith("404")  # not a code
    assert await _state(served, tenant, user) == "logged_out"

    user, password = lines["4102"]  # never registered
    assert sip_stack.dial("4102", domain, password, "#300#", register=False) == "403 Not Registered"
    assert await _state(served, tenant, user) == "logged_out"
    r = await served.get(f"/api/v1/tenants/{tenant['slug']}/users/{user['id']}/agent-state/history")
    assert r.json()["items"] == []
