"""Who may do what, as pure functions: built-in roles, resolution, escalation (FCC-20..25)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from roster.core.errors import FieldError
from roster.core.permissions import ALL_PERMISSIONS, PLATFORM_ONLY
from roster.domains.users.rules import ROLES

# Account kinds (FCC-20): what a user's ``roles`` field holds and what a session acts as.
ACCOUNT_KINDS = ROLES
# The order a sign-in picks the first active role in: the most capable kind first.
SIGN_IN_ORDER = ("administrator", "supervisor", "agent", "uc_user")
# OKI-10: the built-in "Operator" role, granted like a custom role on top of an account kind.
OPERATOR_ROLE = "operator"
BUILTIN_ROLES = (*ACCOUNT_KINDS, OPERATOR_ROLE)

_OWN = frozenset({"profile.read", "profile.update"})
# SIPL-10: by default a telephony user sees only their own calls and recordings (scope: self).
_PBX = _OWN | {"calls.read", "calls.listen", "devices.read"}
DEFAULTS: dict[str, frozenset[str]] = {
    # FCC-21: everything a tenant can hold.
    "administrator": ALL_PERMISSIONS - PLATFORM_ONLY,
    # FCC-22: monitors the agents, queues and campaigns it is assigned to (scope: assigned).
    "supervisor": _OWN | {
        "users.read", "users.update", "users.access.read", "groups.read", "skills.read",
        # FCC-22, DAK-10: reads and manages the members (and their priorities, OKI-32) of the
        # queues and campaigns assigned to it. "*.manage" is narrowed by its queue scope: the
        # repository shows it only assigned ones, and catalogue changes (create, rename, delete)
        # need the whole tenant (queues/rules.py may_change_catalogue), so it cannot add queues.
        "queues.read", "queues.manage", "campaigns.read", "campaigns.manage",
        "numbers.read", "devices.read", "stations.read",
        "agent_state.read", "agent_state.manage", "calls.read", "calls.listen",
        "statistics.read", "quality.read", "quality.manage", "projects.read", "roles.read",
    },
    # FCC-23: makes and takes calls, works in campaigns.
    "agent": _OWN | {"calls.read", "calls.listen", "stations.use", "agent_state.read",
                     "skills.read", "groups.read", "queues.read", "campaigns.read"},
    # FCC-24 / DAK-10: own call records, no statistics, never signs in with a password.
    "pbx_user": _PBX,
    # FCC-25: the PBX user plus the contact list and contact card.
    "uc_user": _PBX | {"contacts.read", "contacts.manage"},
    # OKI-10: the operator workplace.
    OPERATOR_ROLE: _OWN | {"calls.read", "calls.listen", "stations.use", "agent_state.read",
                           "agent_state.manage", "queues.read", "campaigns.read",
                           "contacts.read"},
}
# FCC-22/23: only for these kinds does the administrator tailor permissions per person.
TAILORED_KINDS = frozenset({"supervisor", "agent"})


def can_sign_in(roles: Iterable[str]) -> bool:
    """DAK-10: a back-office user (pbx_user only) pairs devices but never signs in."""
    return any(r in SIGN_IN_ORDER for r in roles)


def default_active_role(roles: Iterable[str]) -> str | None:
    held = set(roles)
    return next((r for r in SIGN_IN_ORDER if r in held), None)


def resolve_permissions(*, kind: str, granted_roles: Iterable[frozenset[str]] = (),
                        grants: Iterable[str] = (), revocations: Iterable[str] = ()
                        ) -> frozenset[str]:
    """What the active account kind may do (FCC-20: the active role only).

    Roles granted (OKI-10) and per-person grants and revocations (FCC-22/23) apply to supervisors
    and agents; an administrator already holds everything, PBX and UC users hold their own data.
    """
    base = set(DEFAULTS.get(kind, frozenset()))
    if kind in TAILORED_KINDS:
        for perms in granted_roles:
            base |= perms
        base |= set(grants)
        base -= set(revocations)
    return frozenset(base & (ALL_PERMISSIONS - PLATFORM_ONLY))


def check_permissions(perms: Iterable[str], field: str = "permissions") -> list[FieldError]:
    errors = []
    for p in sorted(set(perms)):
        if p not in ALL_PERMISSIONS:
            errors.append(FieldError(field, "unknown_permission", f"Unknown permission: {p}."))
        elif p in PLATFORM_ONLY:
            errors.append(FieldError(field, "platform_only",
                                     f"{p} is held only by platform operators."))
    return errors


def missing_permissions(held: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """No escalation: the permissions in ``wanted`` the granting principal does not hold."""
    have = set(held)
    return sorted(set(wanted) - have)


@dataclass(frozen=True)
class Granter:
    """What the no-escalation rules need to know about who grants."""

    is_operator: bool
    active_role: str | None
    roles: frozenset[str]
    permissions: frozenset[str]


# Kinds that manage others: only an acting administrator gives or takes them, so nobody below
# widens the circle of those who manage people (a supervisor cannot make a supervisor).
ADMINISTRATOR_ONLY_KINDS = ("administrator", "supervisor")


def _kind_refusal(granter: Granter, kind: str) -> str | None:
    if kind not in granter.roles:
        return f"You cannot grant or remove the role {kind}, which you do not hold."
    if missing_permissions(granter.permissions, DEFAULTS[kind]):
        return f"The role {kind} carries permissions you do not hold."
    return None


def role_change_refusal(granter: Granter, *, old_roles: Iterable[str], new_roles: Iterable[str]
                        ) -> str | None:
    """Why ``granter`` may not change a user's account kinds from old to new, or None.

    Only an acting administrator makes (or unmakes) an administrator or a supervisor; anyone
    else grants or removes only kinds they hold, and none whose defaults exceed what they may do.
    """
    if granter.is_operator or granter.active_role == "administrator":
        return None  # FCC-21: an acting administrator holds every kind's powers
    changed = set(old_roles) ^ set(new_roles)
    for kind in sorted(changed):
        if kind in ADMINISTRATOR_ONLY_KINDS:
            article = "an" if kind[0] in "aeiou" else "a"
            return f"Only an administrator can make or unmake {article} {kind}."
        reason = _kind_refusal(granter, kind)
        if reason:
            return reason
    return None


def token_role_refusal(granter: Granter, role: str) -> str | None:
    """Why ``granter`` may not create an API token acting with account kind ``role``: only a
    kind it holds, as an administrator only when acting as one, never beyond its permissions."""
    if role == "administrator" and granter.active_role != "administrator":
        return "Only an administrator can create a token acting as an administrator."
    return _kind_refusal(granter, role)


def supervision_refusal(*, user_scope: frozenset[int] | None, own_groups: Iterable[int],
                        queue_scope: frozenset[int] | None, users: Iterable[int],
                        groups: Iterable[int], queues: Iterable[int]) -> str | None:
    """Why a principal may not assign these users, groups, queues and campaigns to a
    supervisor (itself included): nobody hands out more than it sees and manages itself, so a
    supervisor cannot widen its own scope (FCC-22, DAK-10). None: allowed."""
    if user_scope is not None and set(users) - user_scope:
        return "You cannot assign users outside your own scope."
    if user_scope is not None and set(groups) - set(own_groups):
        return "You cannot assign groups you do not supervise yourself."
    if queue_scope is not None and set(queues) - queue_scope:
        return "You cannot assign queues or campaigns outside your own scope."
    return None


def target_refusal(granter: Granter, *, target_roles: Iterable[str]) -> str | None:
    """A non-administrator cannot change an administrator's account (it would be escalation)."""
    if granter.is_operator or granter.active_role == "administrator":
        return None
    if "administrator" in set(target_roles):
        return "Only an administrator can change an administrator."
    return None


def is_last_administrator(*, was_admin: bool, still_admin: bool, other_admins: int) -> bool:
    """The last active administrator of a tenant cannot be removed, demoted or deactivated."""
    return was_admin and not still_admin and other_admins == 0


def visible_extensions(configured: list[str], own: str | None) -> tuple[list[str], bool]:
    """SIPL-11: the extensions whose calls a person may see and listen to, and whether that is the
    default. With no list set, only the person's own extension (SIPL-10)."""
    if configured:
        return list(configured), False
    return ([own] if own else []), True
