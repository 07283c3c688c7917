"""Transports and defences: REGISTER over TCP and TLS, kamcmd on the control socket, a source
guessing passwords is banned, an account failing from many sources is locked like a panel
sign-in (audited) until an administrator lifts it."""

from __future__ import annotations

import subprocess

import pytest

from tests.sip.conftest import loopback_address
from tests.sip.phones import phone
from tests.sip.test_registrar import _line, _tenant

pytestmark = pytest.mark.sip


async def test_register_over_tcp_and_tls_and_kamcmd(sip_stack, served):
    tenant = await _tenant(served)
    domain = tenant["sip_domain"]
    _, pw_tcp = await _line(served, tenant, "601")
    _, pw_tls = await _line(served, tenant, "602")
    assert sip_stack.register("601", domain, pw_tcp, transport="tcp") == 0
    contacts = sip_stack.contacts(f"601@{domain}")
    assert contacts, sip_stack.rpc("ul.dump")
    assert contacts[0]["Contact"].get("Socket", "").startswith("tcp:"), contacts

    from roster.domains.sip.baresip import Account, Baresip
    from tests.sip.phones import silence

    tls = Baresip(sip_stack.work / "tls-phone", Account(
        "602", domain, pw_tls, f"sip:127.0.0.1:{sip_stack.tls_port};transport=tls"),
        audio_source=silence(sip_stack.work / "silence.wav"))
    await tls.start()
    try:
        await tls.registered()
        socket_ = sip_stack.contacts(f"602@{domain}")[0]["Contact"].get("Socket", "")
        assert socket_.startswith("tls:"), socket_
    finally:
        await tls.stop()

    out = subprocess.run(["kamcmd", "-s", f"unix:{sip_stack.ctl_socket}", "ul.lookup",
                          "location", f"601@{domain}"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert f"601@{domain}" in out.stdout


async def test_a_source_guessing_passwords_is_banned(sip_stack, served):
    """10 failed digest authentications from one source (guessing ten accounts' passwords):
    that source gets no REGISTER (nor INVITE) through, even with the right password; other
    sources are unaffected."""
    tenant = await _tenant(served)
    domain = tenant["sip_domain"]
    _, pw = await _line(served, tenant, "611")
    attacker = loopback_address()
    for i in range(10):
        assert sip_stack.register_refused(f"61{i}", domain, f"Wrong-guess-{i}!",
                                          source=attacker) == 0
    assert sip_stack.register("611", domain, pw, source=attacker) != 0  # banned: 403
    assert sip_stack.register("611", domain, pw) == 0
    banned = sip_stack.rpc("htable.get", "srcban", attacker)
    assert banned.get("result"), banned


async def test_an_account_failing_from_many_sources_is_locked_and_audited(sip_stack, served):
    """Failures from many sources lock the account itself (threshold 5 in this stack): the
    right password is refused from anywhere, the lock is in the audit log and listed, and an
    administrator can lift it."""
    tenant = await _tenant(served)
    domain, api = tenant["sip_domain"], f"/api/v1/tenants/{tenant['slug']}"
    user, pw = await _line(served, tenant, "621")
    assert sip_stack.register("621", domain, pw) == 0
    for i in range(5):
        assert sip_stack.register_refused("621", domain, f"Wrong-guess-{i}!") == 0
    assert sip_stack.register_refused("621", domain, pw) == 0  # locked: 403 with the right one
    assert sip_stack.contacts(f"621@{domain}") == []  # its registration was dropped
    r = await served.get(f"{api}/sip/locks")
    assert [lk["username"] for lk in r.json()] == ["621"]
    audit = (await served.get(f"{api}/audit", params={"limit": 200})).json()["items"]
    locked = [e for e in audit if e["action"] == "locked" and e["entity_id"] == str(user["id"])]
    assert locked and locked[0]["after"]["channel"] == "sip", audit[:3]
    r = await served.delete(f"{api}/sip/locks/621")
    assert r.status_code == 204
    assert sip_stack.register("621", domain, pw) == 0
    async with phone(sip_stack, "621", domain, pw):
        pass
