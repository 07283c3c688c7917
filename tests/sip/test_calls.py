"""Calls through Kamailio routed by Roster (POST /api/v1/sip/route): baresip phones register,
call each other, the ring chain rings a second device after its delay (DAK-20), unknown,
unregistered and inactive extensions are refused, and no call crosses tenants (X-T1)."""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from tests.sip.conftest import SCENARIOS
from tests.sip.phones import phone, phones
from tests.sip.test_registrar import _line, _tenant

pytestmark = pytest.mark.sip


async def test_call_between_two_phones_and_bye_through_the_proxy(sip_stack, served):
    """An INVITE to an extension of the same tenant reaches the registered phone; the BYE of
    the answered call passes through Kamailio (record-route) and ends the call on both."""
    tenant = await _tenant(served)
    domain = tenant["sip_domain"]
    _, pw1 = await _line(served, tenant, "101")
    callee, pw2 = await _line(served, tenant, "102")
    async with phones(sip_stack, domain, {"101": pw1, "102": pw2}) as p:
        await p["101"].dial(f"sip:102@{domain}")
        incoming = await p["102"].event("CALL_INCOMING")
        assert incoming["param"].startswith("sip:101@")
        await p["102"].accept()
        await p["101"].event("CALL_ESTABLISHED")
        await p["102"].event("CALL_ESTABLISHED")
        # the call is in the dialog profile: both users are busy now
        dialogs = sip_stack.rpc("dlg.list")
        assert dialogs.get("result"), dialogs
        await p["101"].hangup()
        closed = await p["102"].event("CALL_CLOSED")
        assert "102" in closed["accountaor"]
        await p["101"].event("CALL_CLOSED")

        # Kamailio cached Roster's answer for 101 -> 102; a change to a user flushes the cache
        def cached() -> list:
            return [slot for entry in sip_stack.rpc("htable.dump", "routes").get("result", [])
                    for slot in entry.get("slot", [])]

        assert any(f"101@{domain}>102@{domain}" == s_["name"] for s_ in cached()), cached()
        r = await served.patch(f"/api/v1/tenants/{tenant['slug']}/users/{callee['id']}",
                               json={"active": False})
        assert r.status_code == 200, r.text
        assert cached() == []
        await p["101"].dial(f"sip:102@{domain}")
        closed = await p["101"].event("CALL_CLOSED", timeout=10)
        assert "480" in closed["param"], closed


async def test_refusals_unknown_unregistered_inactive_and_other_tenant(sip_stack, served):
    """404 for an unknown extension, 480 for an unregistered or deactivated user, and another
    tenant's extension is never reached (404), even when it is registered there."""
    tenant, other = await _tenant(served), await _tenant(served)
    domain = tenant["sip_domain"]
    _, pw = await _line(served, tenant, "111")
    await _line(served, tenant, "112")  # never registers
    inactive, pw_inactive = await _line(served, tenant, "113")
    _, pw_other = await _line(served, other, "111")
    assert sip_stack.register("111", domain, pw) == 0
    assert sip_stack.register("113", domain, pw_inactive) == 0
    assert sip_stack.register("111", other["sip_domain"], pw_other) == 0
    r = await served.patch(f"/api/v1/tenants/{tenant['slug']}/users/{inactive['id']}",
                           json={"active": False})
    assert r.status_code == 200, r.text

    def final(number: str) -> str:
        return sip_stack.dial("111", domain, pw, number, register=False)

    assert final("199").startswith("404")
    assert final("112").startswith("480")
    assert final("113").startswith("480")
    async with phone(sip_stack, "111", domain, pw) as caller, \
            phone(sip_stack, "111", other["sip_domain"], pw_other) as victim:
        await caller.dial(f"sip:111@{other['sip_domain']}")
        closed = await caller.event("CALL_CLOSED", timeout=10)
        assert "404" in closed["param"], closed
        with pytest.raises(TimeoutError):
            await victim.event("CALL_INCOMING", timeout=1)


async def test_dak20_ring_chain_rings_the_second_device_after_its_delay(sip_stack, served):
    """DAK-20: the default device rings at once, the second device (its own credentials,
    registering as <extension>-2) starts ringing ring_after_s later; answering it cancels the
    first."""
    tenant = await _tenant(served)
    domain, api = tenant["sip_domain"], f"/api/v1/tenants/{tenant['slug']}"
    user, pw = await _line(served, tenant, "121")
    _, pw_caller = await _line(served, tenant, "122")
    from tests.factories import sip_password

    pw2 = sip_password()
    r = await served.post(f"{api}/users/{user['id']}/devices", json={
        "kind": "mobile_app", "ring_after_s": 2, "sip_password": pw2})
    assert r.status_code == 201, r.text
    device = r.json()
    assert device["sip_username"] == "121-2" and device["has_sip_password"] is True
    assert "sip_password" not in device
    async with phones(sip_stack, domain, {"121": pw, "121-2": pw2, "122": pw_caller}) as p:
        start = time.monotonic()
        await p["122"].dial(f"sip:121@{domain}")
        first = await p["121"].event("CALL_INCOMING", timeout=5)
        with pytest.raises(TimeoutError):
            await p["121-2"].event("CALL_INCOMING", timeout=1.2)
        second = await p["121-2"].event("CALL_INCOMING", timeout=5)
        assert second["at"] - first["at"] >= 1.8, (first["at"] - start, second["at"] - start)
        await p["121-2"].accept()
        await p["122"].event("CALL_ESTABLISHED")
        closed = await p["121"].event("CALL_CLOSED")  # the desk phone stops ringing
        assert closed
        await p["122"].hangup()
        await p["121-2"].event("CALL_CLOSED")


async def test_fcc46_fcc48_outbound_calls_through_the_gateway(sip_stack, served):
    """FCC-48: a number on the caller's black list is barred (403) and never reaches the
    gateway; FCC-46: an allowed external number goes to the outbound gateway in E.164 with the
    caller's presentation number as P-Asserted-Identity."""
    tenant = await _tenant(served)
    domain, api = tenant["sip_domain"], f"/api/v1/tenants/{tenant['slug']}"
    r = await served.post(f"{api}/numbers", json={"number": "+48221234567"})
    assert r.status_code == 201, r.text
    _, pw = await _line(served, tenant, "131", blacklist=["+48700*"],
                        presentation_number="+48221234567")
    assert sip_stack.register("131", domain, pw) == 0
    assert sip_stack.dial("131", domain, pw, "+48700111222", register=False) == "403 Call Barred"
    out = sip_stack.work / "gateway.log"
    gateway = subprocess.Popen(
        ["sipp", "-sf", str(SCENARIOS / "gateway_uas.xml"), "-i", "127.0.0.1",
         "-p", str(sip_stack.gateway_port), "-m", "1", "-nostdin", "-timeout", "15s",
         "-trace_logs", "-log_file", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=sip_stack.work)
    try:
        answer = await asyncio.to_thread(sip_stack.dial, "131", domain, pw, "601234567",
                                         register=False)
        assert gateway.wait(15) == 0
    finally:
        if gateway.poll() is None:
            gateway.kill()
    assert answer.startswith("486"), answer
    log = out.read_text()
    assert f"ruri=sip:+48601234567@127.0.0.1:{sip_stack.gateway_port}" in log, log
    assert f"pai=<sip:+48221234567@{domain}>" in log, log
