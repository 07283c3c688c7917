"""SIPL-20: sign-in by SIP call-back, end to end. The test phone (baresip) answers the robot's
call, records what it hears, the test recognises the spoken digits by matching the recording
against the robot's clips, types them as RFC 2833 DTMF, and the waiting client is signed in
with the person's own permissions."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from roster.config import Settings
from roster.domains.phone_signin import voice
from tests.conftest import _DATA
from tests.factories import sip_password, user_body
from tests.sip.phones import phone
from tests.sip.test_registrar import _tenant
from tests.sip.voice_match import pcm, recognise

pytestmark = pytest.mark.sip


async def _heard(record_dir, seconds: float, timeout: float = 40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(record_dir.glob("dump-*-dec.wav"))
        if files and files[-1].stat().st_size >= 44 + 2 * 8000 * seconds:
            return pcm(files[-1])
        await asyncio.sleep(0.2)
    raise TimeoutError("the phone heard too little")


async def _poll(client, url, until: set[str], timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = (await client.get(url)).json()
        if body["status"] in until:
            return body
        await asyncio.sleep(0.2)
    raise TimeoutError(body)


async def test_sipl20_sign_in_by_call_back(sip_stack, served):
    tenant = await _tenant(served)
    domain, api = tenant["sip_domain"], f"/api/v1/tenants/{tenant['slug']}"
    pw = sip_password()
    body = user_body(extension="151", sip_password=pw, language="pl", roles=["agent"])
    r = await served.post(f"{api}/users", json=body)
    assert r.status_code == 201, r.text
    user = r.json()

    async with httpx.AsyncClient(base_url=sip_stack.api_base, timeout=15) as anon, \
            phone(sip_stack, "151", domain, pw, record=True) as handset:
        r = await anon.post("/api/v1/auth/sip-callback", json={"sip_address": "151@" + domain})
        assert r.status_code == 202, r.text
        started = r.json()
        assert started["expires_in"] == 120 and started["status"] == "calling"
        poll = started["poll"]
        assert (await anon.get(poll)).json() == {"status": "calling", "access_token": None,
                                                 "token_type": None, "expires_in": None,
                                                 "roles": None, "active_role": None}

        await handset.event("CALL_INCOMING", timeout=20)
        await handset.accept()
        await handset.event("CALL_ESTABLISHED")
        heard = await _heard(handset.record_dir, seconds=8.5)
        clips = voice.clips(Settings(data_dir=_DATA), "pl")
        code, detail = recognise(heard, clips, 6)
        assert len(code) == 6 and all(s > 0.5 for _, s in detail), detail

        wrong = "".join(str((int(d) + 1) % 10) for d in code)
        await handset.send_dtmf(wrong)
        await asyncio.sleep(1.0)
        assert (await anon.get(poll)).json()["status"] == "calling"  # one attempt used
        await handset.send_dtmf(code)
        signed = await _poll(anon, poll, {"signed_in", "failed", "expired"})
        assert signed["status"] == "signed_in", (signed, code, detail)
        assert signed["active_role"] == "agent"
        me = await anon.get("/api/v1/auth/me",
                            headers={"Authorization": f"Bearer {signed['access_token']}"})
        assert me.status_code == 200 and me.json()["user_id"] == user["id"], me.text
        assert (await anon.get(poll)).json()["status"] == "claimed"  # handed over once
        await handset.event("CALL_CLOSED", timeout=10)  # the robot hangs up


async def test_sipl20_refusals_and_throttling(sip_stack, served):
    """A malformed address is refused (422); an unknown address looks the same as a real one
    (202, then nothing); call-backs per address are throttled (429)."""
    async with httpx.AsyncClient(base_url=sip_stack.api_base, timeout=15) as anon:
        r = await anon.post("/api/v1/auth/sip-callback", json={"sip_address": "not an address"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "invalid_sip_address"
        codes = [(await anon.post("/api/v1/auth/sip-callback",
                                  json={"sip_address": "999@nobody.pbx.example"})).status_code
                 for _ in range(6)]
        assert codes == [202] * 5 + [429]
        assert (await anon.get("/api/v1/auth/sip-callback/rsc_unknown")).status_code == 404
