"""Access policies: one small function or class per rule, named after it, called explicitly by
the services they guard (the users service gets its steps in roster.wiring; the access and auth
services call theirs directly). A service called from any edge (API, command line, panel,
import, SCIM) therefore enforces the same rules. Each refuses by raising a Problem; the rules
they apply are the pure functions of access/rules.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import FieldError, Problem
from roster.core.permissions import Actor
from roster.core.queries import serialise
from roster.domains.access import repository as repo
from roster.domains.access import rules


def granter(actor: Actor) -> rules.Granter:
    p = actor.principal
    return rules.Granter(is_operator=p.is_operator, active_role=p.active_role,
                         roles=frozenset(p.roles), permissions=p.permissions)


def _escalation(reason: str, errors: list[FieldError] | None = None) -> Problem:
    return Problem(403, "Forbidden", reason, errors or [], code="escalation")


def no_grant_beyond_held(actor: Actor, wanted: Iterable[str]) -> None:
    """Nobody grants (or takes away) permissions it does not hold itself."""
    if actor.principal.is_operator:
        return
    missing = rules.missing_permissions(actor.principal.permissions, wanted)
    if missing:
        raise _escalation(f"You cannot grant permissions you do not hold: {', '.join(missing)}.")


def only_administrators_change_administrators(actor: Actor, target_roles: Iterable[str]) -> None:
    """A non-administrator cannot change an administrator's account or access."""
    reason = rules.target_refusal(granter(actor), target_roles=target_roles)
    if reason:
        raise _escalation(reason)


def no_token_beyond_held(actor: Actor, role: str) -> None:
    """An API token acts with an account kind its creator holds, and no more."""
    reason = rules.token_role_refusal(granter(actor), role)
    if reason:
        raise _escalation(reason)


def no_project_grant_beyond_scope(actor: Actor, project_id: int | None) -> None:
    """A role granted within a project (OKI-11) lets its holder see the project's people: only
    a principal that sees the whole tenant grants one, so nobody extends a scope (its own
    included) to people it does not see."""
    if project_id is not None and actor.principal.user_scope is not None:
        raise _escalation("Only a principal that sees the whole tenant grants a role within a "
                          "project.")


async def supervision_within_own_scope(db: AsyncSession, actor: Actor, *, users: Iterable[int],
                                       groups: Iterable[int], queues: Iterable[int]) -> None:
    """Nobody assigns a supervisor (itself included) users, groups, queues or campaigns beyond
    what it sees and manages itself (FCC-22, DAK-10)."""
    p = actor.principal
    own_groups: list[int] = []
    if p.user_scope is not None and p.user_id is not None:
        _, own_groups = await repo.assignments_of(db, p.user_id)
    reason = rules.supervision_refusal(user_scope=p.user_scope, own_groups=own_groups,
                                       queue_scope=p.queue_scope, users=users, groups=groups,
                                       queues=queues)
    if reason:
        raise _escalation(reason)


class NoEscalationThroughUserForm:
    """User writes (FCC-21): account kinds are given and taken only by who holds them, an
    administrator or a supervisor is made only by an administrator, and only an administrator
    changes or deletes an administrator. No actor: the system itself (an operator's command)."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        if batch.actor is None:
            return
        g = granter(batch.actor)
        refused: list[FieldError] = []
        for row in batch.rows:
            reason = None
            if not row.is_new:
                reason = rules.target_refusal(g, target_roles=row.roles_before)
            if reason is None and batch.action != "delete" and (
                    row.is_new or row.sent.get("roles") is not None):
                reason = rules.role_change_refusal(g, old_roles=row.roles_before,
                                                   new_roles=row.roles)
            if reason:
                refused.append(FieldError("roles", "escalation", reason, row.index))
        if refused:
            raise _escalation(refused[0].message, refused)


def _active_administrator(active: bool | None, roles: Iterable[str]) -> bool:
    return bool(active) and "administrator" in set(roles)


class LastActiveAdministrator:
    """Nobody removes, demotes or deactivates the last active administrator of a tenant. Runs
    after the batch is written, so a batch demoting every administrator at once is caught; the
    count is serialised per tenant so two concurrent demotions cannot both pass."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        losing = [row for row in batch.rows if not row.is_new
                  and _active_administrator(row.before.get("active"), row.roles_before)
                  and (batch.action == "delete"
                       or not _active_administrator(row.after.get("active"), row.roles))]
        if not losing:
            return
        await serialise(db, "administrators", [str(batch.tenant.id)])
        remaining = await repo.active_administrators(db, batch.tenant.id)
        if rules.is_last_administrator(was_admin=True, still_admin=False,
                                       other_admins=remaining):
            message = ("The last active administrator of a tenant cannot be removed, demoted "
                       "or deactivated.")
            raise Problem(409, "Conflict", message,
                          [FieldError("roles", "last_administrator", message, row.index)
                           for row in losing], code="last_administrator")
