"""Rules of the SIP line, devices and stations, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roster.core import lockout
from roster.domains.devices import rules as dev
from roster.domains.sip import rules as sip
from roster.domains.stations import rules as st


def test_aor_is_extension_at_domain_sipl1():
    assert sip.aor("100", "pbx123.example") == "100@pbx123.example"


@pytest.mark.parametrize("change, dropped", [
    ({"active": False}, True), ({"extension": "102"}, True), ({"sip_ha1": "b" * 32}, True),
    ({"sip_ha1": None, "extension": None}, True), ({}, False),
])
def test_stale_registrations_after_update_x5(change, dropped):
    before = {"active": True, "extension": "101", "sip_ha1": "a" * 32}
    after = {**before, **change}
    aors = sip.stale_aors_after_update(before, extension=after["extension"],
                                       sip_ha1=after["sip_ha1"], active=after["active"],
                                       sip_domain="d.example")
    assert aors == (["101@d.example"] if dropped else [])


def test_no_drop_for_a_user_without_line():
    assert sip.stale_aors_after_update({"active": True, "extension": None, "sip_ha1": None},
                                       extension=None, sip_ha1=None, active=False,
                                       sip_domain="d") == []


def test_kamailio_db_urls():
    assert sip.kamailio_db_url("sqlite+aiosqlite:////var/lib/roster/roster.db") == (
        "db_sqlite", "sqlite:////var/lib/roster/roster.db")
    assert sip.kamailio_db_url("postgresql+asyncpg://roster:pw@127.0.0.1:5432/roster") == (
        "db_postgres", "postgres://roster:pw@127.0.0.1:5432/roster")
    assert sip.kamailio_children("db_sqlite", 8) == 1
    assert sip.kamailio_children("db_postgres", 8) == 8


def test_render_fails_on_missing_value_and_quotes():
    assert sip.render('x="{{a}}" {b}', {"a": 1}) == 'x="1" {b}'
    with pytest.raises(KeyError):
        sip.render("{{missing}}", {})
    with pytest.raises(ValueError):
        sip.render("{{a}}", {"a": 'x"; loadmodule'})


# --- devices (OKI-20, DAK-20, WEB-21, WEB-22) -------------------------------------------------

def test_oki20_forward_devices_need_a_valid_number():
    target, errs = dev.check_device(kind="work_number", target="22 555 66 77", ring_after_s=0,
                                    region="PL", has_extension=False)
    assert target == "+48225556677" and errs == []
    _, errs = dev.check_device(kind="personal_number", target="12", ring_after_s=0, region="PL",
                               has_extension=True)
    assert [e.code for e in errs] == ["invalid_number"]
    _, errs = dev.check_device(kind="personal_number", target=None, ring_after_s=0, region="PL",
                               has_extension=True)
    assert [e.code for e in errs] == ["required"]


def test_oki20_line_devices_need_an_extension_and_no_target():
    _, errs = dev.check_device(kind="sip_phone", target="+48225556677", ring_after_s=500,
                               region="PL", has_extension=False)
    assert {e.code for e in errs} == {"target_not_allowed", "extension_required", "out_of_range"}


def test_dak20_ring_plan_desk_phone_then_mobile_after_10s():
    devices = [dev.ChainDevice(2, "personal_number", "+48601234567", 10, 0, True),
               dev.ChainDevice(1, "sip_phone", None, 0, 0, True),
               dev.ChainDevice(3, "work_number", "+48225556677", 10, 1, False)]
    plan = dev.ring_plan(devices, extension="201", sip_domain="acme.example", active=True)
    assert plan == [
        {"after_s": 0, "devices": [{"device_id": 1, "kind": "sip_phone",
                                    "uri": "sip:201@acme.example"}]},
        {"after_s": 10, "devices": [{"device_id": 2, "kind": "personal_number",
                                     "uri": "tel:+48601234567"}]},
    ]
    assert dev.ring_plan(devices, extension=None, sip_domain="a", active=True)[0]["after_s"] == 10
    assert dev.ring_plan(devices, extension="201", sip_domain="a", active=False) == []


def test_web21_default_device_kind():
    assert dev.default_device_kind(["work_number", "web_workplace"]) == "web_workplace"
    assert dev.default_device_kind([]) == "sip_phone"


def test_web22_ice_servers():
    assert dev.check_ice_servers([{"urls": ["stun:stun.example:3478"]}]) == []
    codes = {e.code for e in dev.check_ice_servers([{"urls": ["http://x"]},
                                                    {"urls": ["turn:t.example"]}])}
    assert codes == {"invalid_ice_url", "turn_credentials_required"}


# --- stations and agent state (FCC-4, FCC-5, FCC-11) -------------------------------------------

def test_fcc4_feature_codes():
    assert st.parse_feature_code("404#") == "logged_out"
    assert st.parse_feature_code("#300#") == "ready_campaign"
    assert st.parse_feature_code("#302#") == "ready_other"
    assert st.parse_feature_code("#399#") is None
    for bad in ("300", "#30a#", "", "#" * 40, "<x>"):
        with pytest.raises(st.MalformedCode):
            st.parse_feature_code(bad)


def test_fcc4_day_boundary_in_the_tenant_time_zone():
    # 23:30 in Warsaw (UTC+1 in winter) is 22:30 UTC; the day ends at 23:00 UTC
    login = datetime(2026, 1, 10, 22, 30, tzinfo=UTC)
    assert st.day_end(login, "Europe/Warsaw") == datetime(2026, 1, 10, 23, 0, tzinfo=UTC)
    kw = {"state": "ready_campaign", "changed_at": login, "time_zone": "Europe/Warsaw"}
    assert not st.logged_out_by_day_end(now=login + timedelta(minutes=29),
                                        requires_daily_login=True, **kw)
    assert st.logged_out_by_day_end(now=login + timedelta(minutes=31),
                                    requires_daily_login=True, **kw)
    assert not st.logged_out_by_day_end(now=login + timedelta(days=3),
                                        requires_daily_login=False, **kw)
    # the same instant is still the same day in UTC
    assert not st.logged_out_by_day_end(now=login + timedelta(minutes=31), requires_daily_login=True,
                                        state="logged_in", changed_at=login, time_zone="UTC")


def test_fcc11_station_decision_and_reservation():
    assert st.station_decision(agent_id=1, station_agent_id=None, reserved_for_id=None) == "ok"
    assert st.station_decision(agent_id=1, station_agent_id=1, reserved_for_id=None) == "already_here"
    assert st.station_decision(agent_id=1, station_agent_id=2, reserved_for_id=None) == "taken"
    assert st.station_decision(agent_id=1, station_agent_id=None, reserved_for_id=2) == "taken"
    assert st.station_decision(agent_id=2, station_agent_id=None, reserved_for_id=2) == "ok"
    assert st.reservation_after_logout(keep_station_on_logout=True, agent_id=1,
                                       reserved_for_id=None) == 1
    assert st.reservation_after_logout(keep_station_on_logout=False, agent_id=1,
                                       reserved_for_id=1) is None


def test_fcc5_pin_failures_lock_like_passwords():
    """PINs share the password lock-out rule (core.lockout)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    state = lockout.after_failure(None, now, attempts=3, seconds=60)
    assert state == lockout.LockState(1, None)
    state = lockout.after_failure(lockout.LockState(2, None), now, attempts=3, seconds=60)
    assert state == lockout.LockState(0, now + timedelta(seconds=60))
    assert lockout.seconds_locked(state, now) == 60
    assert lockout.seconds_locked(state, now + timedelta(seconds=61)) == 0


# --- listeners, routing answers, provisioning, call-back (pure) -------------------------------

def test_listen_specs_parse_and_default():
    from roster.domains.sip import rules as sip

    assert sip.parse_listen("TLS:127.0.0.1:5061") == sip.Listener("tls", "127.0.0.1", 5061)
    assert sip.Listener("wss", "0.0.0.0", 443).socket == "tls:0.0.0.0:443"
    for bad in ("udp:127.0.0.1", "sctp:127.0.0.1:5060", "udp:127.0.0.1:0", "udp:a b:5060"):
        with pytest.raises(ValueError):
            sip.parse_listen(bad)
    assert [x.socket for x in sip.listeners([], sip_port=5060, ws_port=5066)] == [
        "udp:127.0.0.1:5060", "tcp:127.0.0.1:5066"]
    assert sip.split_listen_setting("udp:127.0.0.1:5070, tcp:127.0.0.1:5070,") == [
        "udp:127.0.0.1:5070", "tcp:127.0.0.1:5070"]
    with pytest.raises(ValueError):
        sip.listeners(["tcp:127.0.0.1:5070", "ws:127.0.0.1:5070"], sip_port=1, ws_port=2)


def test_dak20_call_targets_gateway_and_external_numbers():
    from roster.domains.sip import rules as sip

    steps = [{"after_s": 0, "uri": "sip:201@a.example"},
             {"after_s": 10, "uri": "tel:+48601234567"}]
    assert sip.call_targets(steps, gateway="") == [
        {"uri": "sip:201@a.example", "after_s": 0, "lookup": True}]
    assert sip.call_targets(steps, gateway="sip:10.0.0.5:5060;transport=udp")[1] == {
        "uri": "sip:+48601234567@10.0.0.5:5060", "after_s": 10, "lookup": False}
    assert sip.looks_external("+48601234567") and sip.looks_external("601234567")
    assert not sip.looks_external("201") and not sip.looks_external("20-1")
    assert sip.profile_size(3) == 3 and sip.profile_size({"size": 2}) == 2
    assert sip.profile_size([]) == 0


def test_dak20_line_usernames_follow_the_extension():
    assert dev.line_username("102", 1) == "102" and dev.line_username("102", 2) == "102-2"
    assert dev.next_line_index(["102", "102-2", "102-4", None], "102") == 3
    assert dev.renamed_username("102-3", "102", "205") == "205-3"
    assert dev.renamed_username("102", "102", "205") == "205"
    assert dev.renamed_username("102-3", "102", None) is None
    assert dev.normalize_mac("00:15:65:AB:cd:EF") == ("001565abcdef", [])
    assert dev.normalize_mac("00:15:65")[1][0].code == "invalid_mac"


def test_provisioning_files_escape_and_carry_the_account():
    account = dev.PhoneAccount(username="102-2", password="Pw-1234567!", display_name='A "B" <c>',
                               label="+48221234567", domain="acme.example",
                               proxy_host="192.0.2.1", proxy_port=5060, transport="tls")
    yealink, kind = dev.provisioning_file("yealink", account)
    assert kind == "text/plain" and "account.1.sip_server.1.transport_type = 2" in yealink
    polycom, kind = dev.provisioning_file("polycom", account)
    assert kind == "application/xml" and 'reg.1.displayName="A &quot;B&quot; &lt;c&gt;"' in polycom
    assert 'reg.1.server.1.transport="TLS"' in polycom


def test_sipl20_callback_rules():
    from datetime import UTC, datetime, timedelta

    from roster.domains.phone_signin import rules as cb

    assert cb.parse_address("sip:100@ACME.pbx.example") == (("100", "acme.pbx.example"), [])
    assert cb.parse_address("100")[1][0].code == "invalid_sip_address"
    code = cb.new_code()
    assert len(code) == 6 and code.isdigit()
    assert cb.voice_language("uk") == "uk" and cb.voice_language("fr") == "en"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert cb.status_now(cb.Attempt("calling", 0, now), now) == "expired"
    assert cb.status_now(cb.Attempt("calling", 0, now + timedelta(seconds=1)), now) == "calling"
    assert cb.status_now(cb.Attempt("verified", 0, now), now) == "verified"
    assert cb.after_wrong_code(0, 3) == (1, "calling")
    assert cb.after_wrong_code(2, 3) == (3, "failed")
    assert cb.throttled(5, 5) and not cb.throttled(4, 5)
