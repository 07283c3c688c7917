"""WEB-22, OKI-20: a web phone registers over SIP-over-WebSocket (RFC 7118) at the address that
``webphone-config`` gives it, with the same account and the same digest check as a UDP phone.

The client is written here on purpose (``websockets``, subprotocol "sip"): it computes the MD5
digest from the clear SIP password the test set, so nothing but Kamailio checks it."""

from __future__ import annotations

import hashlib
import re
import secrets

import pytest
from websockets.asyncio.client import connect

from tests.factories import sip_password, user_body

pytestmark = pytest.mark.sip


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - SIP digest is MD5 (RFC 2617)


def _status(reply: str) -> int:
    assert reply.startswith("SIP/2.0 "), reply
    return int(reply.split(" ", 2)[1])


def _header(reply: str, name: str) -> str:
    match = re.search(rf"^{name}:\s*(.*?)\r$", reply, re.M | re.I)
    assert match, f"no {name} in {reply}"
    return match.group(1)


class WebPhone:
    """Just enough of a SIP-over-WebSocket UA to REGISTER (RFC 7118 section 5)."""

    def __init__(self, ws, ext: str, domain: str) -> None:
        self.ws, self.ext, self.domain = ws, ext, domain
        self.host = f"{secrets.token_hex(6)}.invalid"
        self.call_id, self.tag, self.cseq = secrets.token_hex(10), secrets.token_hex(4), 0
        self.contact = f"sip:{secrets.token_hex(4)}@{self.host};transport=ws"

    async def register(self, authorization: str | None = None) -> str:
        self.cseq += 1
        lines = [
            f"REGISTER sip:{self.domain} SIP/2.0",
            f"Via: SIP/2.0/WS {self.host};branch=z9hG4bK{secrets.token_hex(8)};rport",
            "Max-Forwards: 70",
            f"To: <sip:{self.ext}@{self.domain}>",
            f"From: <sip:{self.ext}@{self.domain}>;tag={self.tag}",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} REGISTER",
            f"Contact: <{self.contact}>;expires=600",
            "Expires: 600",
            "User-Agent: Roster-WS-Test",
        ]
        if authorization:
            lines.append(f"Authorization: {authorization}")
        await self.ws.send("\r\n".join([*lines, "Content-Length: 0", "", ""]))
        while True:  # skip anything that is not the final answer to this CSeq
            reply = await self.ws.recv()
            if isinstance(reply, bytes):
                reply = reply.decode()
            if (_status(reply) >= 200
                    and _header(reply, "CSeq") == f"{self.cseq} REGISTER"):
                return reply

    def answer(self, challenge: str, password: str) -> str:
        """The Authorization header for a 401's WWW-Authenticate (HA1 = MD5(user:realm:pw))."""
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge.removeprefix("Digest ")))
        realm, nonce, uri = params["realm"], params["nonce"], f"sip:{self.domain}"
        ha1 = _md5(f"{self.ext}:{realm}:{password}")
        ha2 = _md5(f"REGISTER:{uri}")
        nc, cnonce = "00000001", secrets.token_hex(8)
        assert "auth" in params.get("qop", "auth").split(",")
        response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        return (f'Digest username="{self.ext}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                f'response="{response}", algorithm=MD5, qop=auth, nc={nc}, cnonce="{cnonce}"')

    async def login(self, password: str) -> tuple[str, str]:
        """REGISTER, then answer the challenge: the 401 and the final reply."""
        challenge = await self.register()
        assert _status(challenge) == 401, challenge
        www = _header(challenge, "WWW-Authenticate")
        assert www.startswith("Digest ") and f'realm="{self.domain}"' in www, www
        return challenge, await self.register(self.answer(www, password))


async def test_web_phone_registers_over_websocket(sip_stack, served):
    slug = f"w-{secrets.token_hex(4)}"
    r = await served.post("/api/v1/tenants", json={
        "slug": slug, "name": slug, "sip_domain": f"{slug}.pbx.example",
        "time_zone": "Europe/Warsaw"})
    assert r.status_code == 201, r.text
    domain = r.json()["sip_domain"]
    password = sip_password()
    r = await served.post(f"/api/v1/tenants/{slug}/users",
                          json=user_body(extension="4001", sip_password=password))
    assert r.status_code == 201, r.text
    user = r.json()

    r = await served.get(f"/api/v1/tenants/{slug}/users/{user['id']}/webphone-config")
    assert r.status_code == 200, r.text
    cfg = r.json()
    assert cfg["websocket_url"] == f"ws://127.0.0.1:{sip_stack.ws_port}"
    assert cfg["realm"] == domain and cfg["authorization_user"] == "4001"

    # a wrong password: challenged, then refused
    async with connect(cfg["websocket_url"], subprotocols=["sip"]) as ws:
        assert ws.subprotocol == "sip"
        _, final = await WebPhone(ws, "4001", domain).login(password + "x")
        assert _status(final) == 403, final
    assert sip_stack.contacts(f"4001@{domain}") == []

    async with connect(cfg["websocket_url"], subprotocols=["sip"]) as ws:
        phone = WebPhone(ws, "4001", domain)
        _, final = await phone.login(password)
        assert _status(final) == 200, final
        assert phone.contact in _header(final, "Contact")

        # the binding is the web phone's, reached over its WebSocket connection
        [contact] = sip_stack.contacts(f"4001@{domain}")
        assert contact["Contact"]["Address"] == phone.contact
        assert contact["Contact"]["Received"].startswith("sip:127.0.0.1:")
        assert contact["Contact"]["Received"].endswith(";transport=ws")
        r = await served.get(f"/api/v1/tenants/{slug}/sip/registrations")
        assert r.status_code == 200, r.text
        assert r.json() == [{"aor": f"4001@{domain}", "contacts": [
            {"address": phone.contact, "expires": r.json()[0]["contacts"][0]["expires"],
             "user_agent": "Roster-WS-Test"}]}]
        assert "transport=ws" in r.json()[0]["contacts"][0]["address"]


async def test_websocket_port_is_only_for_websocket(sip_stack):
    """Plain HTTP on the WebSocket port gets 426; JSON-RPC is not served there."""
    import httpx

    base = f"http://127.0.0.1:{sip_stack.ws_port}"
    r = httpx.post(f"{base}/RPC", json={"jsonrpc": "2.0", "method": "core.version", "id": 1},
                   timeout=5)
    assert r.status_code == 426
