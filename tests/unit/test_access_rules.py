"""Pure access-control rules, without a database (FCC-20..25, OKI-10, SIPL-10, DAK-10, FCC-6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roster.core import lockout
from roster.core.permissions import ALL_PERMISSIONS, PLATFORM_ONLY
from roster.domains.access import rules
from roster.domains.auth import rules as auth_rules
from roster.domains.invitations import rules as key_rules

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def test_administrator_holds_everything_but_platform_fcc21():
    perms = rules.resolve_permissions(kind="administrator")
    assert perms == ALL_PERMISSIONS - PLATFORM_ONLY


def test_pbx_and_uc_users_hold_own_data_only_fcc24_fcc25_sipl10():
    pbx = rules.resolve_permissions(kind="pbx_user")
    uc = rules.resolve_permissions(kind="uc_user")
    assert {"calls.read", "calls.listen", "profile.read"} <= pbx
    assert not {"users.read", "statistics.read", "analytics.read"} & pbx  # DAK-10
    assert pbx < uc and {"contacts.read", "contacts.manage"} <= uc


def test_grants_and_revocations_apply_to_supervisors_and_agents_only_fcc22_fcc23():
    agent = rules.resolve_permissions(kind="agent", grants=["statistics.read"],
                                      revocations=["calls.listen"])
    assert "statistics.read" in agent and "calls.listen" not in agent
    pbx = rules.resolve_permissions(kind="pbx_user", grants=["users.read"])
    assert "users.read" not in pbx
    sup = rules.resolve_permissions(kind="supervisor",
                                    granted_roles=[frozenset({"audit.read"})])
    assert "audit.read" in sup


def test_grants_never_reach_platform_permissions():
    perms = rules.resolve_permissions(kind="agent", grants=["tenants.manage"])
    assert "tenants.manage" not in perms
    assert [e.code for e in rules.check_permissions(["tenants.manage", "nope.read"])] == [
        "unknown_permission", "platform_only"]


def test_permissions_follow_the_active_role_only_fcc20():
    assert rules.resolve_permissions(kind="agent") != rules.resolve_permissions(
        kind="supervisor")
    assert "users.update" not in rules.resolve_permissions(kind="agent")


def test_back_office_user_never_signs_in_dak10():
    assert not rules.can_sign_in(["pbx_user"])
    assert rules.can_sign_in(["pbx_user", "uc_user"])
    assert rules.default_active_role(["agent", "supervisor", "pbx_user"]) == "supervisor"


def _granter(role: str, roles=None) -> rules.Granter:
    return rules.Granter(False, role, frozenset(roles or [role]),
                         rules.resolve_permissions(kind=role))


def test_only_an_administrator_makes_an_administrator():
    assert rules.role_change_refusal(_granter("supervisor"), old_roles=["agent"],
                                     new_roles=["agent", "administrator"])
    assert rules.role_change_refusal(_granter("administrator"), old_roles=["agent"],
                                     new_roles=["administrator"]) is None
    # holding the kind is not enough: the administrator role must be the active one
    sup_acting = rules.Granter(False, "supervisor", frozenset({"administrator", "supervisor"}),
                               rules.resolve_permissions(kind="supervisor"))
    assert rules.role_change_refusal(sup_acting, old_roles=["agent"],
                                     new_roles=["administrator"])


def test_nobody_grants_a_role_they_do_not_hold():
    assert rules.role_change_refusal(_granter("supervisor"), old_roles=["agent"],
                                     new_roles=["agent", "uc_user", "pbx_user"])
    assert rules.missing_permissions({"a.read"}, {"a.read", "b.read"}) == ["b.read"]


def test_only_an_administrator_makes_or_unmakes_a_supervisor_or_administrator():
    """Issue 8: a supervisor holding the supervisor kind still cannot make one."""
    sup = _granter("supervisor")
    for kind in ("supervisor", "administrator"):
        assert rules.role_change_refusal(sup, old_roles=["agent"], new_roles=["agent", kind])
        assert rules.role_change_refusal(sup, old_roles=["agent", kind], new_roles=["agent"])
        assert rules.role_change_refusal(_granter("administrator"), old_roles=["agent"],
                                         new_roles=["agent", kind]) is None


def test_a_token_acts_with_a_kind_its_creator_holds():
    assert rules.token_role_refusal(_granter("supervisor"), "supervisor") is None
    assert rules.token_role_refusal(_granter("supervisor"), "agent")
    assert rules.token_role_refusal(_granter("supervisor"), "administrator")


def test_supervision_within_own_scope():
    """Issue 8: nobody hands a supervisor (itself included) more than it sees itself."""
    mine = frozenset({1, 2, 3})
    ok = dict(user_scope=mine, own_groups=[7], queue_scope=frozenset({9}))
    assert rules.supervision_refusal(**ok, users=[2, 3], groups=[7], queues=[9]) is None
    assert rules.supervision_refusal(**ok, users=[4], groups=[], queues=[])
    assert rules.supervision_refusal(**ok, users=[], groups=[8], queues=[])
    assert rules.supervision_refusal(**ok, users=[], groups=[], queues=[10])
    assert rules.supervision_refusal(user_scope=None, own_groups=[], queue_scope=None,
                                     users=[4], groups=[8], queues=[10]) is None


def test_non_administrator_cannot_change_an_administrator():
    assert rules.target_refusal(_granter("supervisor"), target_roles=["administrator"])
    assert rules.target_refusal(_granter("administrator"), target_roles=["administrator"]) is None


def test_last_administrator_rule():
    assert rules.is_last_administrator(was_admin=True, still_admin=False, other_admins=0)
    assert not rules.is_last_administrator(was_admin=True, still_admin=False, other_admins=1)
    assert not rules.is_last_administrator(was_admin=True, still_admin=True, other_admins=0)


def test_sixth_failure_locks_for_the_lock_time():
    state = None
    for i in range(5):
        state = lockout.after_failure(state, T0, attempts=6, seconds=300)
        assert lockout.seconds_locked(state, T0) == 0, i
    state = lockout.after_failure(state, T0, attempts=6, seconds=300)
    assert lockout.seconds_locked(state, T0) == 300
    assert lockout.seconds_locked(state, T0 + timedelta(seconds=299.5)) == 1
    assert lockout.seconds_locked(state, T0 + timedelta(seconds=300)) == 0


def test_a_failure_after_the_lock_ended_starts_a_fresh_count():
    locked = lockout.LockState(0, T0)
    after = lockout.after_failure(locked, T0 + timedelta(seconds=1), attempts=6, seconds=300)
    assert after.failures == 1 and lockout.seconds_locked(after, T0 + timedelta(seconds=1)) == 0


def test_address_limit_per_minute():
    window = None
    for _ in range(3):
        assert auth_rules.address_blocked(window, T0, limit=3) == 0
        window = auth_rules.address_after_failure(window, T0)
    assert auth_rules.address_blocked(window, T0 + timedelta(seconds=20), limit=3) == 40
    assert auth_rules.address_blocked(window, T0 + timedelta(minutes=1), limit=3) == 0


def test_access_key_works_once_before_it_expires_oki40():
    exp = T0 + timedelta(hours=72)
    assert key_rules.key_state(used_at=None, revoked_at=None, expires_at=exp, now=T0) == "usable"
    assert key_rules.key_state(used_at=T0, revoked_at=None, expires_at=exp, now=T0) == "used"
    assert key_rules.key_state(used_at=None, revoked_at=T0, expires_at=exp, now=T0) == "revoked"
    assert key_rules.key_state(used_at=None, revoked_at=None, expires_at=exp, now=exp) == "expired"


def test_invitation_mail_in_every_panel_language_oki40():
    subjects = set()
    for lang in ("pl", "en", "de", "ru", "uk"):
        subject, body = key_rules.compose("invitation", lang, name="Ann", tenant="Acme",
                                          link="http://x/k", expires=T0)
        assert "http://x/k" in body and "Ann" in body and "Acme" in subject
        subjects.add(subject)
    assert len(subjects) == 5
    assert key_rules.compose("recovery", "xx", name="A", tenant="T", link="L", expires=T0)[0] \
        == "Reset your T password"


def test_sipl10_sipl11_visible_extensions():
    """SIPL-10: own calls by default; SIPL-11: an administrator's list replaces the default."""
    from roster.domains.access import rules as access_rules

    assert access_rules.visible_extensions([], "201") == (["201"], True)
    assert access_rules.visible_extensions([], None) == ([], True)
    assert access_rules.visible_extensions(["300", "301"], "201") == (["300", "301"], False)
