"""Stations, hot-desking, agent state, daily login and the feature-code callback
(FCC-4, FCC-5, FCC-11, DAK-21)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from roster.core import clock
from tests.factories import free_pin, make_user, sip_password

SECRET = os.environ["ROSTER_SIP_CALLBACK_SECRET"]


@pytest.fixture
def at():
    """Move the service's clock: ``at(datetime)``; restored after the test."""
    def _set(when: datetime) -> None:
        clock.set_clock(lambda: when)
    yield _set
    clock.set_clock(None)


async def _station(client, api, ext: str) -> dict:
    r = await client.post(f"{api}/stations", json={"extension": ext, "name": f"Desk {ext}"})
    assert r.status_code == 201, r.text
    return r.json()


async def _state(client, api, user) -> dict:
    r = await client.get(f"{api}/users/{user['id']}/agent-state")
    assert r.status_code == 200, r.text
    return r.json()


async def test_dak21_fcc5_pin_login_at_a_free_station(client, api):
    """DAK-21, FCC-5: an agent logs in to any free station with its PIN and moves between them."""
    pin = free_pin()
    agent = await make_user(client, api, agent_pin=pin)
    s1, s2 = await _station(client, api, "801"), await _station(client, api, "802")
    r = await client.post(f"{api}/stations/{s1['id']}/login", json={"agent_pin": pin})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "logged_in" and r.json()["station_id"] == s1["id"]
    assert (await client.get(f"{api}/stations/{s1['id']}")).json()["occupied"] is True

    r = await client.post(f"{api}/stations/{s2['id']}/login", json={"agent_pin": pin})
    assert r.status_code == 200 and r.json()["station_id"] == s2["id"]
    assert (await client.get(f"{api}/stations/{s1['id']}")).json()["occupied"] is False

    r = await client.post(f"{api}/stations/{s2['id']}/logout")
    assert r.status_code == 200 and r.json()["occupied"] is False
    assert (await _state(client, api, agent))["state"] == "logged_out"


async def test_fcc11_kept_station_refuses_another_agent_naming_no_one(client, api):
    """FCC-11: "keep station on logout" reserves it; another agent's login answers 409."""
    pin_a, pin_b = free_pin(), free_pin()
    while pin_b == pin_a:
        pin_b = free_pin()
    a = await make_user(client, api, agent_pin=pin_a, keep_station_on_logout=True,
                        full_name="Alice Keeper")
    await make_user(client, api, agent_pin=pin_b, full_name="Bob Other")
    s = await _station(client, api, "811")
    assert (await client.post(f"{api}/stations/{s['id']}/login",
                              json={"agent_pin": pin_a})).status_code == 200
    r = await client.post(f"{api}/stations/{s['id']}/login", json={"agent_pin": pin_b})
    assert r.status_code == 409 and r.json()["code"] == "station_taken"
    assert "Alice" not in r.text and a["login"] not in r.text and "agent_id" not in r.text

    await client.post(f"{api}/stations/{s['id']}/logout")
    station = (await client.get(f"{api}/stations/{s['id']}")).json()
    assert station["occupied"] is False and station["reserved"] is True
    r = await client.post(f"{api}/stations/{s['id']}/login", json={"agent_pin": pin_b})
    assert r.status_code == 409 and "Alice" not in r.text
    r = await client.post(f"{api}/stations/{s['id']}/login", json={"agent_pin": pin_a})
    assert r.status_code == 200


async def test_fcc5_wrong_pins_are_limited(client, api):
    """FCC-5: wrong PINs count even though the request is refused; then the station locks."""
    pin = free_pin()
    await make_user(client, api, agent_pin=pin)
    s = await _station(client, api, "821")
    wrong = "97531" if pin != "97531" else "86420"
    for _ in range(6):  # settings.lockout_attempts
        r = await client.post(f"{api}/stations/{s['id']}/login", json={"agent_pin": wrong})
        assert r.status_code == 403 and r.json()["code"] == "pin_refused"
    r = await client.post(f"{api}/stations/{s['id']}/login", json={"agent_pin": pin})
    assert r.status_code == 429 and r.json()["code"] == "pin_locked"
    assert int(r.headers["retry-after"]) > 0


async def test_fcc5_wrong_pins_spread_over_stations_are_limited_per_caller(client, api, signed_in):
    """FCC-5: guessing PINs at many stations does not escape the limit: the caller is locked."""
    pin = free_pin()
    await make_user(client, api, agent_pin=pin)
    wrong = "97531" if pin != "97531" else "86420"
    for n in range(6):
        s = await _station(client, api, f"83{n}")
        r = await client.post(f"{api}/stations/{s['id']}/login", json={"agent_pin": wrong})
        assert r.status_code == 403, r.text
    fresh = await _station(client, api, "839")
    r = await client.post(f"{api}/stations/{fresh['id']}/login", json={"agent_pin": pin})
    assert r.status_code == 429 and r.json()["code"] == "pin_locked"
    other = await signed_in(["administrator"])  # another caller is not affected
    r = await other.client.post(f"{api}/stations/{fresh['id']}/login", json={"agent_pin": pin})
    assert r.status_code == 200, r.text


async def test_fcc4_daily_login_starts_each_day_logged_out(client, api, tenant, at):
    """FCC-4: a daily-login agent left ready is logged out at the tenant's midnight (Warsaw);
    read lazily and by the end-of-day job; history and audit keep it."""
    agent = await make_user(client, api, agent_pin=free_pin(), requires_daily_login=True)
    steady = await make_user(client, api)
    at(datetime(2026, 3, 2, 22, 30, tzinfo=UTC))  # 23:30 in Warsaw
    for user in (agent, steady):
        r = await client.put(f"{api}/users/{user['id']}/agent-state",
                             json={"state": "ready_campaign"})
        assert r.status_code == 200, r.text
    at(datetime(2026, 3, 2, 22, 59, tzinfo=UTC))
    assert (await _state(client, api, agent))["state"] == "ready_campaign"
    at(datetime(2026, 3, 2, 23, 1, tzinfo=UTC))  # past midnight in Warsaw
    assert (await _state(client, api, agent))["state"] == "logged_out"
    assert (await _state(client, api, steady))["state"] == "ready_campaign"

    history = (await client.get(f"{api}/users/{agent['id']}/agent-state/history")).json()["items"]
    assert [(h["state"], h["source"]) for h in history] == [
        ("ready_campaign", "api"), ("logged_out", "end_of_day")]
    assert history[-1]["at"].startswith("2026-03-02T23:00:00")
    audit = (await client.get(f"{api}/audit", params={"limit": 500})).json()["items"]
    assert any(e["entity"] == "agent_state" and e["action"] == "update" for e in audit)


async def test_fcc4_end_of_day_job(app, client, api, at):
    """FCC-4: `roster agents end-of-day` logs out those still logged in from an earlier day."""
    from roster.domains.stations.service import end_of_day_logout

    agent = await make_user(client, api, agent_pin=free_pin(), requires_daily_login=True)
    at(datetime(2026, 4, 1, 8, 0, tzinfo=UTC))
    await client.put(f"{api}/users/{agent['id']}/agent-state", json={"state": "ready_other"})
    async with app.state.sessionmaker() as db:
        assert await end_of_day_logout(db, datetime(2026, 4, 1, 20, 0, tzinfo=UTC)) == 0
        count = await end_of_day_logout(db, datetime(2026, 4, 2, 1, 0, tzinfo=UTC))
        await db.commit()
    assert count >= 1
    at(datetime(2026, 4, 1, 21, 0, tzinfo=UTC))  # even read "before", it is stored as logged out
    assert (await _state(client, api, agent))["state"] == "logged_out"


async def test_fcc4_feature_code_callback(client, anon, api, tenant):
    """FCC-4: only Kamailio (the shared secret) may call it; bad input changes nothing."""
    user = await make_user(client, api, extension="830", sip_password=sip_password())
    body = {"domain": tenant["sip_domain"], "extension": "830", "code": "#300#"}
    url = "/api/v1/sip/feature-code"
    assert (await anon.post(url, json=body)).status_code == 401
    assert (await anon.post(url, json=body, headers={"Authorization": "Bearer nope"})
            ).status_code == 401
    assert (await client.post(url, json=body)).status_code == 403  # an operator is not Kamailio
    kam = {"Authorization": f"Bearer {SECRET}"}
    for bad, status in ((dict(body, extension="839"), 404), (dict(body, domain="x.example"), 404),
                        (dict(body, code="#399#"), 404), (dict(body, code="300"), 422),
                        (dict(body, code="#30'0#"), 422)):
        r = await anon.post(url, json=bad, headers=kam)
        assert r.status_code == status, (bad, r.text)
    assert (await _state(client, api, user))["state"] == "logged_out"
    r = await anon.post(url, json=body, headers=kam)
    assert r.status_code == 200 and r.json() == {"user_id": user["id"], "state": "ready_campaign"}
    r = await anon.post(url, json=dict(body, code="404#"), headers=kam)
    assert r.json()["state"] == "logged_out"


async def test_deactivated_agent_is_logged_out(client, api):
    pin = free_pin()
    agent = await make_user(client, api, agent_pin=pin)
    s = await _station(client, api, "841")
    await client.post(f"{api}/stations/{s['id']}/login", json={"agent_pin": pin})
    await client.patch(f"{api}/users/{agent['id']}", json={"active": False})
    assert (await _state(client, api, agent))["state"] == "logged_out"
    assert (await client.get(f"{api}/stations/{s['id']}")).json()["occupied"] is False
