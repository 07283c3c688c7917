"""OKI-32, FCC-31, X-7: calls to a queue's number land on the member the distribution preview
names first; members not ready, not registered, with priority 0 or in a call are skipped."""

from __future__ import annotations

import pytest

from tests.sip.phones import phones
from tests.sip.test_registrar import _line, _tenant

pytestmark = pytest.mark.sip


async def _preview(served, api, queue_id) -> list[dict]:
    r = await served.get(f"{api}/queues/{queue_id}/distribution")
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_oki32_queue_calls_land_where_the_preview_said(sip_stack, served):
    tenant = await _tenant(served)
    domain, api = tenant["sip_domain"], f"/api/v1/tenants/{tenant['slug']}"
    users, passwords = {}, {}
    for ext in ("501", "502", "503", "504", "509"):
        users[ext], passwords[ext] = await _line(served, tenant, ext)
    r = await served.post(f"{api}/queues", json={"name": "support", "extension": "500"})
    assert r.status_code == 201, r.text
    queue = r.json()
    assert queue["extension"] == "500"
    for ext, priority in (("501", 2), ("502", 1), ("503", 0), ("504", 5)):
        r = await served.post(f"{api}/queues/{queue['id']}/members",
                              json={"user_id": users[ext]["id"], "priority": priority})
        assert r.status_code == 201, r.text
    for ext in ("501", "502", "503"):  # 504 stays logged out
        r = await served.put(f"{api}/users/{users[ext]['id']}/agent-state",
                             json={"state": "ready_other"})
        assert r.status_code == 200, r.text
    ids = {u["id"]: ext for ext, u in users.items()}

    lines = {ext: passwords[ext] for ext in ("501", "502", "503", "509")}
    async with phones(sip_stack, domain, lines) as p:
        preview = await _preview(served, api, queue["id"])
        assert [(ids[s["user_id"]], s["position"], s["reason"]) for s in preview] == [
            ("501", 1, "ready"), ("502", 2, "ready"),
            ("503", None, "priority_zero"), ("504", None, "not_signed_in")]
        # three calls: priority 2 is loaded twice as much as priority 1 (501, 501, 502)
        landed = []
        for _ in range(3):
            first = ids[(await _preview(served, api, queue["id"]))[0]["user_id"]]
            await p["509"].dial(f"sip:500@{domain}")
            await p[first].event("CALL_INCOMING", timeout=10)
            await p[first].accept()
            await p["509"].event("CALL_ESTABLISHED")
            if not landed:
                # in a call: "a call blocks other interactions" (FCC-31) takes it out
                during = {ids[s["user_id"]]: s["reason"]
                          for s in await _preview(served, api, queue["id"])}
                assert during[first] == "on_call_blocks"
            await p["509"].hangup()
            await p[first].event("CALL_CLOSED")
            landed.append(first)
        assert landed == ["501", "501", "502"]
        for ext in ("502", "503"):  # nobody else rang
            with pytest.raises(TimeoutError):
                await p[ext].event("CALL_INCOMING", timeout=0.2)

    # nobody registered now: the queue has nobody to offer the call to
    preview = await _preview(served, api, queue["id"])
    assert {s["reason"] for s in preview} >= {"not_registered"}
    assert sip_stack.dial("509", domain, passwords["509"], "500",
                          register=False).startswith("480")
