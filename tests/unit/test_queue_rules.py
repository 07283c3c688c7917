"""Pure queue and campaign rules, without a database (OKI-32, FCC-22)."""

from __future__ import annotations

import pytest

from roster.domains.queues import rules


@pytest.mark.parametrize("priority", [0, 1, 50, 99, 100])
def test_priority_within_0_to_100_is_accepted_oki32(priority):
    assert rules.check_priority(priority) == []


@pytest.mark.parametrize("priority", [-1, 101, 1000, True, 5.0, "5"])
def test_priority_outside_the_range_has_its_own_code_oki32(priority):
    (error,) = rules.check_priority(priority)
    assert error.field == "priority" and error.code == "priority_out_of_range"


def test_priority_zero_means_no_distributed_calls_oki32():
    """0 in a queue: manual outbound only, no inbound; 0 in a campaign: no calls."""
    assert not rules.takes_inbound("queue", 0) and not rules.takes_inbound("campaign", 0)
    assert rules.takes_inbound("queue", 1) and rules.takes_inbound("campaign", 100)


def test_only_the_whole_tenant_changes_the_catalogue_fcc22():
    assert rules.may_change_catalogue(None)
    assert not rules.may_change_catalogue(frozenset({1, 2}))
    assert not rules.may_change_catalogue(frozenset())


# --- distribution (OKI-32, FCC-30/31, X-7) -----------------------------------------------------

def _c(uid, priority, *, state="ready_other", registered=True, on_call=False, blocks=True,
       active=True, load=0):
    return rules.Candidate(user_id=uid, priority=priority, active=active, state=state,
                           registered=registered, on_call=on_call, call_blocks_other=blocks,
                           load=load)


def _simulate(candidates, calls):
    """Offer ``calls`` calls one by one, each to position 1, counting the load."""
    load = {c.user_id: 0 for c in candidates}
    got = []
    for _ in range(calls):
        slots = rules.distribution([rules.Candidate(**{**vars(c), "load": load[c.user_id]})
                                    for c in candidates])
        first = slots[0]
        assert first.position == 1
        load[first.user_id] += 1
        got.append(first.user_id)
    return load, got


def test_oki32_equal_priorities_share_equally():
    load, got = _simulate([_c(1, 5), _c(2, 5), _c(3, 5)], 30)
    assert load == {1: 10, 2: 10, 3: 10}
    assert got[:3] == [1, 2, 3]


def test_oki32_higher_priority_is_loaded_more_in_proportion():
    load, _ = _simulate([_c(1, 2), _c(2, 1)], 30)
    assert load == {1: 20, 2: 10}
    load, _ = _simulate([_c(1, 10), _c(2, 1)], 11)
    assert load[1] > load[2] >= 1  # a trainee still gets calls


def test_oki32_fcc31_skipped_members_and_their_reasons():
    slots = rules.distribution([
        _c(1, 0), _c(2, 5, active=False), _c(3, 5, state="logged_out"),
        _c(4, 5, state="logged_in"), _c(5, 5, registered=False),
        _c(6, 5, on_call=True), _c(7, 5, on_call=True, blocks=False), _c(8, 3, load=4),
        _c(9, 3, state="ready_campaign")])
    assert [(s.user_id, s.position, s.available, s.reason) for s in slots] == [
        (9, 1, True, "ready"), (8, 2, True, "ready"),
        (1, None, False, "priority_zero"), (2, None, False, "inactive"),
        (3, None, False, "not_signed_in"), (4, None, False, "not_ready"),
        (5, None, False, "not_registered"), (6, None, False, "on_call_blocks"),
        (7, None, False, "on_call")]


def test_oki32_nobody_available():
    assert [s.position for s in rules.distribution([_c(1, 0), _c(2, 4, registered=False)])] == [
        None, None]
    assert rules.distribution([]) == []
