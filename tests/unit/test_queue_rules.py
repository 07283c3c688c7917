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
