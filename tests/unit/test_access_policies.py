"""Access policies, each alone (issue 8): called with what they judge, no database, no web."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from roster.core.errors import Problem
from roster.core.permissions import Actor, Principal
from roster.domains.access import policies, rules


def _actor(role: str, *, scope=frozenset({1, 2}), perms=None) -> Actor:
    return Actor(Principal("user", 1, 7, frozenset(perms or rules.resolve_permissions(kind=role)),
                           active_role=role, roles=(role,), user_scope=scope), None)


def _row(index, *, new=False, roles_before=(), roles=(), sent=None):
    return SimpleNamespace(index=index, is_new=new, roles_before=tuple(roles_before),
                           roles=tuple(roles), sent=sent or {})


async def _judge(actor, action, *rows) -> Problem | None:
    batch = SimpleNamespace(actor=actor, action=action, rows=list(rows))
    try:
        await policies.NoEscalationThroughUserForm()(None, batch)
    except Problem as problem:
        return problem
    return None


async def test_no_escalation_through_the_user_form_names_the_refused_rows():
    sup = _actor("supervisor")
    problem = await _judge(
        sup, "update",
        _row(0, roles_before=["agent"], roles=["agent"], sent={"description": "x"}),
        _row(1, roles_before=["agent"], roles=["agent", "supervisor"],
             sent={"roles": ["agent", "supervisor"]}),
        _row(2, roles_before=["administrator"], roles=["administrator"],
             sent={"description": "x"}))
    assert problem.status == 403 and problem.code == "escalation"
    assert [e.row for e in problem.errors] == [1, 2]


async def test_no_escalation_lets_the_system_and_administrators_through():
    rows = [_row(0, new=True, roles=["administrator"], sent={"roles": ["administrator"]})]
    assert await _judge(None, "create", *rows) is None
    assert await _judge(_actor("administrator", scope=None), "create", *rows) is None
    assert (await _judge(_actor("supervisor"), "create", *rows)).code == "escalation"


async def test_a_delete_of_an_administrator_by_a_supervisor_is_refused():
    rows = [_row(0, roles_before=["administrator"], roles=["administrator"])]
    assert (await _judge(_actor("supervisor"), "delete", *rows)).code == "escalation"


def test_grants_and_tokens_stay_within_what_one_holds():
    sup = _actor("supervisor")
    with pytest.raises(Problem):
        policies.no_grant_beyond_held(sup, ["audit.read"])
    policies.no_grant_beyond_held(sup, ["users.read"])
    with pytest.raises(Problem):
        policies.no_token_beyond_held(sup, "administrator")
    with pytest.raises(Problem):
        policies.no_project_grant_beyond_scope(sup, project_id=3)
    policies.no_project_grant_beyond_scope(_actor("administrator", scope=None), project_id=3)
    with pytest.raises(Problem):
        policies.only_administrators_change_administrators(sup, ["administrator"])
