"""Devices, ring chains, NAT and the web-phone configuration over the API
(OKI-20, DAK-20, WEB-21, WEB-22)."""

from __future__ import annotations

from roster.config import Settings, get_settings
from tests.factories import make_user, sip_password


async def test_web21_default_device_when_saved_with_an_extension(client, api, tenant):
    """WEB-21: a telephony user gets its default device automatically; none without extension."""
    plain = await make_user(client, api)
    assert (await client.get(f"{api}/users/{plain['id']}/devices")).json() == []

    r = await client.patch(f"{api}/users/{plain['id']}",
                           json={"extension": "301", "sip_password": sip_password(),
                                 "communication_means": ["web_workplace"]})
    assert r.status_code == 200, r.text
    devices = (await client.get(f"{api}/users/{plain['id']}/devices")).json()
    assert devices == [{"id": devices[0]["id"], "kind": "web_workplace",
                        "target": f"301@{tenant['sip_domain']}", "ring_after_s": 0,
                        "position": 0, "enabled": True, "is_default": True,
                        "sip_username": "301", "has_sip_password": True, "mac": None}]

    user = await make_user(client, api, extension="302", sip_password=sip_password())
    devices = (await client.get(f"{api}/users/{user['id']}/devices")).json()
    assert [d["kind"] for d in devices] == ["sip_phone"]


async def test_dak20_ring_chain_desk_phone_then_mobile(client, api, tenant):
    """DAK-20, OKI-20: desk phone first, the mobile after 10 s; numbers validated and normalised."""
    user = await make_user(client, api, extension="310", sip_password=sip_password())
    base = f"{api}/users/{user['id']}/devices"
    r = await client.post(base, json={"kind": "personal_number", "target": "601 234 567",
                                      "ring_after_s": 10})
    assert r.status_code == 201, r.text
    assert r.json()["target"] == "+48601234567"
    assert r.headers["location"].endswith(f"/devices/{r.json()['id']}")
    mobile = r.json()
    r = await client.post(base, json={"kind": "work_number", "target": "22 555 66 77",
                                      "ring_after_s": 30, "enabled": False})
    assert r.status_code == 201, r.text

    plan = (await client.get(f"{api}/users/{user['id']}/ring-plan")).json()
    assert plan["user_id"] == user["id"]
    assert [(s["after_s"], [d["uri"] for d in s["devices"]]) for s in plan["steps"]] == [
        (0, [f"sip:310@{tenant['sip_domain']}"]), (10, ["tel:+48601234567"])]

    r = await client.patch(f"{base}/{mobile['id']}", json={"ring_after_s": 5})
    assert r.status_code == 200 and r.json()["ring_after_s"] == 5
    r = await client.delete(f"{base}/{mobile['id']}")
    assert r.status_code == 204
    assert len((await client.get(base)).json()) == 2


async def test_oki20_bad_devices_are_refused(client, api):
    user = await make_user(client, api)
    base = f"{api}/users/{user['id']}/devices"
    cases = [
        ({"kind": "work_number", "target": "12"}, "invalid_number"),
        ({"kind": "work_number"}, "required"),
        ({"kind": "sip_phone"}, "extension_required"),
        ({"kind": "personal_number", "target": "601234567", "ring_after_s": 999}, "out_of_range"),
        ({"kind": "fax", "target": "601234567"}, "invalid_choice"),
    ]
    for body, code in cases:
        r = await client.post(base, json=body)
        assert r.status_code == 422, (body, r.text)
        assert code in {e["code"] for e in r.json()["errors"]}, (body, r.text)
    ok = await client.post(base, json={"kind": "work_number", "target": "601234567"})
    assert ok.status_code == 201
    dup = await client.post(base, json={"kind": "work_number", "target": "+48 601 234 567"})
    assert dup.status_code == 409 and dup.json()["code"] == "device_exists"
    assert len((await client.get(base)).json()) == 1


async def test_devices_of_another_tenants_user_are_404(client, api):
    user = await make_user(client, api)
    r = await client.post("/api/v1/tenants", json={"slug": "other-dev-" + str(user["id"]),
                                                   "name": "o", "sip_domain": f"o{user['id']}.example"})
    other = r.json()["slug"]
    r = await client.get(f"/api/v1/tenants/{other}/users/{user['id']}/devices")
    assert r.status_code == 404


async def test_web22_nat_ice_servers_and_webphone_config(client, api, tenant):
    """WEB-22: STUN/TURN per user, ICE servers per tenant, never the SIP password."""
    password = sip_password()
    user = await make_user(client, api, extension="320", sip_password=password)
    servers = [{"urls": ["stun:stun.example.net:3478"]},
               {"urls": ["turn:turn.example.net:3478"], "username": "u", "credential": "c"}]
    r = await client.put(f"{api}/ice-servers", json={"servers": servers})
    assert r.status_code == 200, r.text
    bad = await client.put(f"{api}/ice-servers", json={"servers": [{"urls": ["turn:x"]}]})
    assert bad.status_code == 422

    cfg = await client.get(f"{api}/users/{user['id']}/webphone-config")
    assert cfg.status_code == 200, cfg.text
    body = cfg.json()
    assert body["sip_uri"] == f"sip:320@{tenant['sip_domain']}"
    assert body["authorization_user"] == "320" and body["realm"] == tenant["sip_domain"]
    assert body["stun_turn"] is True and len(body["ice_servers"]) == 2
    # no ROSTER_KAMAILIO_WS_URL: Kamailio's own ws:// listener (docs/sip.md)
    assert body["websocket_url"] == f"ws://127.0.0.1:{get_settings().kamailio_ws_port}"
    assert password not in cfg.text and "sip_password" not in body

    r = await client.put(f"{api}/users/{user['id']}/nat", json={"stun_turn": False})
    assert r.status_code == 200 and r.json() == {"stun_turn": False}
    body = (await client.get(f"{api}/users/{user['id']}/webphone-config")).json()
    assert body["stun_turn"] is False and body["ice_servers"] == []

    no_line = await make_user(client, api)
    r = await client.get(f"{api}/users/{no_line['id']}/webphone-config")
    assert r.status_code == 409 and r.json()["code"] == "no_sip_line"


def test_web22_websocket_url_overridable():
    """A deployment gives web phones its public address (e.g. a wss:// proxy in front)."""
    assert Settings(kamailio_ws_port=7443, kamailio_ws_url="").resolved_ws_url() == "ws://127.0.0.1:7443"
    assert (Settings(kamailio_ws_url="wss://pbx.example.net/ws").resolved_ws_url()
            == "wss://pbx.example.net/ws")


async def test_dak20_further_devices_register_with_their_own_credentials(client, api, tenant):
    """DAK-20: the default device keeps the extension; a further line device registers as
    <extension>-<n> with its own SIP password (FCC-43 policy, write-only, HA1 only); the user
    names follow an extension change and the old digests are cleared; MACs are normalised and
    unique; forwarding devices have neither."""
    user = await make_user(client, api, extension="320", sip_password=sip_password())
    base = f"{api}/users/{user['id']}/devices"
    r = await client.post(base, json={"kind": "sip_phone", "sip_password": "short"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "sip_password_too_short"
    assert len((await client.get(base)).json()) == 1  # refused: nothing added
    r = await client.post(base, json={"kind": "sip_phone", "sip_password": sip_password(),
                                      "mac": "00:15:65:AB:CD:EF"})
    assert r.status_code == 201, r.text
    desk = r.json()
    assert (desk["sip_username"], desk["has_sip_password"], desk["mac"]) == (
        "320-2", True, "001565abcdef")
    assert desk["target"] == f"320-2@{tenant['sip_domain']}"
    assert "sip_password" not in desk
    r = await client.post(base, json={"kind": "mobile_app"})
    assert (r.json()["sip_username"], r.json()["has_sip_password"]) == ("320-3", False)
    r = await client.post(base, json={"kind": "personal_number", "target": "601234567",
                                      "sip_password": sip_password(), "mac": "001565abcdee"})
    assert r.status_code == 422
    assert {e["code"] for e in r.json()["errors"]} == {"not_allowed"}
    other = await make_user(client, api, extension="321", sip_password=sip_password())
    r = await client.post(f"{api}/users/{other['id']}/devices",
                          json={"kind": "sip_phone", "mac": "00-15-65-ab-cd-ef"})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "mac_taken"
    default = next(d for d in (await client.get(base)).json() if d["is_default"])
    r = await client.patch(f"{base}/{default['id']}", json={"sip_password": sip_password()})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "default_device"

    r = await client.patch(f"{api}/users/{user['id']}",
                           json={"extension": "330", "sip_password": sip_password()})
    assert r.status_code == 200, r.text
    names = {d["sip_username"]: d["has_sip_password"] for d in (await client.get(base)).json()}
    assert names == {"330": True, "330-2": False, "330-3": False}


async def test_desk_phone_provisioning_by_mac_with_a_per_device_token(client, anon, api, tenant):
    """Yealink and Polycom files by MAC: the token (shown once) AND the MAC must match; each
    fetch issues a fresh SIP password for the phone's own line (never stored in plain); the
    default device cannot be provisioned; the DID is the label."""
    user = await make_user(client, api, extension="340", sip_password=sip_password())
    number = (await client.post(f"{api}/numbers", json={"number": "+48223400340"})).json()
    r = await client.patch(f"{api}/users/{user['id']}", json={"did": number["number"]})
    assert r.status_code == 200, r.text
    base = f"{api}/users/{user['id']}/devices"
    default = (await client.get(base)).json()[0]
    r = await client.post(f"{base}/{default['id']}/provisioning")
    assert r.status_code == 409
    desk = (await client.post(base, json={"kind": "sip_phone", "mac": "00:15:65:12:34:56"})).json()
    r = await client.post(f"{base}/{desk['id']}/provisioning")
    assert r.status_code == 200, r.text
    urls = r.json()["urls"]
    assert set(urls) == {"yealink", "polycom"}
    path = urls["yealink"].split("://", 1)[1].split("/", 1)[1]
    first = await anon.get(f"/{path}001565123456.cfg")
    assert first.status_code == 200, first.text
    text = first.text
    assert "account.1.user_name = 340-2" in text and "account.1.label = +48223400340" in text
    assert f"account.1.sip_server.1.address = {tenant['sip_domain']}" in text
    password = next(ln.split(" = ", 1)[1] for ln in text.splitlines()
                    if ln.startswith("account.1.password"))
    assert len(password) >= 10
    second = await anon.get(f"/{path}001565123456.cfg")
    assert password not in second.text  # a fresh password each time
    assert (await anon.get(f"/{path}001565123457.cfg")).status_code == 404  # another MAC
    token_path = path.replace("/yealink/", "/polycom/")
    polycom = await anon.get(f"/{token_path}001565123456.cfg")
    assert polycom.status_code == 200 and 'reg.1.auth.userId="340-2"' in polycom.text
    assert (await anon.get(f"/{path[:-5]}xxxx/001565123456.cfg")).status_code == 404
    devices = {d["id"]: d for d in (await client.get(base)).json()}
    assert devices[desk["id"]]["has_sip_password"] is True
    r = await client.post(f"{base}/{desk['id']}/provisioning")  # a new token revokes the old
    assert (await anon.get(f"/{path}001565123456.cfg")).status_code == 404
