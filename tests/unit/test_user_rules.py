"""Rules of the user form, checked without a database."""

from __future__ import annotations

import pytest

from roster.domains.users import rules


def codes(errors) -> set[str]:
    return {e.code for e in errors}


class TestAgentPin:
    """FCC-5: digits only, at least 5, no run of consecutive digits, not one repeated digit."""

    @pytest.mark.parametrize("pin", ["12345", "54321", "34567", "98765", "0123456789", "23456",
                                     "67890", "90123", "32109", "89012", "10987"])
    def test_fcc5_sequential_runs_refused(self, pin):
        assert codes(rules.check_pin(pin)) == {"pin_sequential"}

    @pytest.mark.parametrize("pin", ["11111", "000000", "99999"])
    def test_fcc5_repeated_digit_refused(self, pin):
        assert codes(rules.check_pin(pin)) == {"pin_repeated"}

    @pytest.mark.parametrize("pin", ["1234", "9", ""])
    def test_fcc5_too_short(self, pin):
        assert codes(rules.check_pin(pin)) == ({"pin_too_short"} if pin else {"pin_not_digits"})

    @pytest.mark.parametrize("pin", ["12a45", "12 345", "١٢٣٤٥", "+12345"])
    def test_fcc5_digits_only(self, pin):
        assert codes(rules.check_pin(pin)) == {"pin_not_digits"}

    @pytest.mark.parametrize("pin", ["12346", "13579", "48213", "11112", "21234", "54320",
                                     "67891", "90124"])
    def test_fcc5_good_pins_pass(self, pin):
        assert rules.check_pin(pin) == []


class TestPanelPassword:
    """FCC-13: 8 agent / 10 supervisor / 12 administrator, strictest role wins."""

    def test_fcc13_minimum_by_strictest_role(self):
        assert rules.password_min_length(["agent"]) == 8
        assert rules.password_min_length(["supervisor", "agent"]) == 10
        assert rules.password_min_length(["agent", "administrator"]) == 12
        assert rules.password_min_length(["pbx_user"]) == 8

    def test_fcc13_length_by_role(self):
        pw = "Abcdef1!x"  # 9 characters
        assert rules.check_password(pw, ["agent"]) == []
        assert codes(rules.check_password(pw, ["supervisor"])) == {"password_too_short"}
        assert codes(rules.check_password("Abcdefgh1!x", ["administrator"])) == {
            "password_too_short"}
        assert rules.check_password("Abcdefghi1!x", ["administrator"]) == []

    @pytest.mark.parametrize("pw,code", [("abcdefg1!", "password_no_upper"),
                                         ("Abcdefgh!", "password_no_digit"),
                                         ("Abcdefgh1", "password_no_special")])
    def test_fcc13_character_classes(self, pw, code):
        assert codes(rules.check_password(pw, ["agent"])) == {code}

    def test_fcc13_role_change_needing_new_password(self):
        policy = rules.password_policy_len("Abcdefg1!")  # 9 chars meets the agent policy only
        assert policy == 8
        assert rules.role_change_needs_new_password(policy, ["agent", "supervisor"])
        assert not rules.role_change_needs_new_password(policy, ["agent", "pbx_user"])
        assert not rules.role_change_needs_new_password(
            rules.password_policy_len("Abcdefghij1!"), ["administrator"])
        assert not rules.role_change_needs_new_password(None, ["administrator"])


class TestSipPassword:
    """FCC-43: at least 10 characters with lower, upper, digit and special."""

    def test_fcc43_good(self):
        assert rules.check_sip_password("Abcdefg1!x") == []

    @pytest.mark.parametrize("pw,code", [("Abcdef1!", "sip_password_too_short"),
                                         ("ABCDEFG1!X", "sip_password_no_lower"),
                                         ("abcdefg1!x", "sip_password_no_upper"),
                                         ("Abcdefgh!x", "sip_password_no_digit"),
                                         ("Abcdefgh1x", "sip_password_no_special")])
    def test_fcc43_each_class(self, pw, code):
        assert code in codes(rules.check_sip_password(pw))


class TestRolesAndExtension:
    def test_fcc25_uc_requires_pbx(self):
        assert codes(rules.check_roles(["uc_user"])) == {"uc_requires_pbx"}
        assert codes(rules.check_roles(["uc_user", "agent"])) == {"uc_requires_pbx"}
        assert rules.check_roles(["uc_user", "pbx_user"]) == []

    def test_fcc20_roles_non_empty_subset(self):
        assert codes(rules.check_roles([])) == {"roles_empty"}
        assert rules.check_roles(["administrator", "supervisor", "agent"]) == []
        assert rules.canonical_roles(["agent", "administrator", "agent"]) == ("administrator",
                                                                              "agent")

    @pytest.mark.parametrize("ext,code", [("12", "extension_too_short"),
                                          ("10a", "extension_not_digits"),
                                          ("12345678901", "extension_too_long")])
    def test_fcc42_extension_shape(self, ext, code):
        assert codes(rules.check_extension(ext)) == {code}

    def test_fcc42_three_digits_is_enough(self):
        assert rules.check_extension("100") == []

    def test_fcc4_daily_login_needs_pin(self):
        assert codes(rules.check_daily_login(True, False)) == {"pin_required"}
        assert rules.check_daily_login(True, True) == []
        assert rules.check_daily_login(False, False) == []

    def test_fcc30_calls_fixed_at_one(self):
        assert codes(rules.check_call_interactions(2)) == {"call_fixed"}
        assert rules.check_call_interactions(1) == []


class TestNumbersAndLists:
    def test_fcc3_national_number_normalised_with_region(self):
        assert rules.normalize_number("22 123 45 67", "PL", "mobile") == ("+48221234567", [])
        assert rules.normalize_number("+49 30 1234567", "PL", "mobile")[0] == "+49301234567"
        assert codes(rules.normalize_number("123", "PL", "mobile")[1]) == {"invalid_number"}

    def test_fcc48_list_accepts_string_or_list(self):
        from_str, errs = rules.parse_call_list("221234567, +48700*,", "PL", "blacklist")
        assert errs == []
        assert from_str == ["+48221234567", "+48700*"]
        from_list, _ = rules.parse_call_list(["+48221234567", "+48700*"], "PL", "blacklist")
        assert from_list == from_str

    def test_fcc48_bad_entries_reported(self):
        _, errs = rules.parse_call_list("abc, 48700*", "PL", "whitelist")
        assert codes(errs) == {"invalid_number", "invalid_prefix"}

    def test_fcc48_white_list_wins(self):
        black, white = ["+48700*"], ["+48700123456"]
        assert rules.call_permission("+48700123456", black, white) == (
            True, "whitelisted", "+48700123456")
        assert rules.call_permission("+48700999999", black, white) == (
            False, "blacklisted", "+48700*")
        assert rules.call_permission("+48221234567", black, white) == (True, "not_listed", None)
        # a number on both lists may be called
        assert rules.call_permission("+48221234567", ["+48221234567"], ["+48221234567"])[0]


class TestPlanOfARow:
    """The whole form for one row, as the write path applies it to every row of a batch."""

    def test_a_name_and_an_email_are_enough_and_defaults_come_from_the_tenant(self):
        plan = rules.plan_user({"full_name": "Ann", "email": "Ann@Example.com"}, None,
                               region="PL", default_language="de")
        assert not plan.errors
        assert plan.columns["login"] == plan.columns["email"] == "ann@example.com"
        assert plan.columns["language"] == "de" and plan.roles == ("agent",)
        assert plan.roles_changed and plan.did is rules.KEEP

    def test_errors_of_every_field_at_once(self):
        plan = rules.plan_user({"full_name": "X", "login": "xy", "agent_pin": "67890",
                                "extension": "1", "ms_teams": True, "mobile": "12"},
                               None, region="PL", default_language="en")
        assert codes(plan.errors) == {"pin_sequential", "extension_too_short",
                                      "teams_identity_required", "invalid_number"}
        assert plan.columns == {}

    def test_a_role_change_raising_the_minimum_asks_for_a_new_password(self):
        current = {"password_policy_len": 8, "extension": None, "sip_ha1": None,
                   "requires_daily_login": False, "pin_digest": None}
        plan = rules.plan_user({"roles": ["administrator"]}, current, roles_before=["agent"],
                               region="PL", default_language="en")
        assert plan.columns == {"password_must_change": True} and plan.roles_changed

    def test_a_new_extension_without_a_new_sip_password_is_refused(self):
        current = {"extension": "100", "sip_ha1": "digest", "requires_daily_login": False,
                   "pin_digest": None}
        plan = rules.plan_user({"extension": "101"}, current, roles_before=["agent"],
                               region="PL", default_language="en")
        assert codes(plan.errors) == {"sip_password_required"}
