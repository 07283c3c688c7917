"""Queue and campaign rules (OKI-31, OKI-32, FCC-22), as pure functions.

OKI-32: a member's priority is an integer 0-100. In a queue, 0 means manual outbound calls only
(no inbound calls from the queue); in a campaign, 0 means the member gets no calls from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from roster.core.errors import FieldError

KINDS = ("queue", "campaign")
PRIORITY_MIN, PRIORITY_MAX = 0, 100


def check_priority(priority: int, field: str = "priority") -> list[FieldError]:
    if isinstance(priority, bool) or not isinstance(priority, int) or \
            not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        return [FieldError(field, "priority_out_of_range",
                           f"A priority is an integer {PRIORITY_MIN}-{PRIORITY_MAX}.")]
    return []


def takes_inbound(kind: str, priority: int) -> bool:
    """OKI-32: whether a member with this priority receives calls distributed by the queue
    (inbound) or campaign (auto-dialed); 0 means none."""
    return priority > 0


def may_change_catalogue(queue_scope: frozenset[int] | None) -> bool:
    """FCC-22: only a principal seeing the whole tenant creates, renames or deletes queues and
    campaigns; a supervisor manages the members of those assigned to it."""
    return queue_scope is None


# --- distribution of inbound calls (OKI-32, FCC-30, FCC-31, X-7) ----------------------------

READY_STATES = ("ready_campaign", "ready_other")


@dataclass(frozen=True)
class Candidate:
    """What the distribution knows of one member when a call arrives."""

    user_id: int
    priority: int
    active: bool
    state: str  # the agent state (stations.rules.STATES)
    registered: bool  # one of its line devices is registered now
    on_call: bool  # in a call (ringing or talking) now
    call_blocks_other: bool  # FCC-31
    load: int  # calls of this queue offered to it within the load window


@dataclass(frozen=True)
class Slot:
    user_id: int
    position: int | None  # 1 gets the next call; None: gets none now
    priority: int
    available: bool
    reason: str


def unavailable_reason(c: Candidate) -> str | None:
    """Why a member gets no call now, or None when it may get one."""
    if not takes_inbound("queue", c.priority):
        return "priority_zero"  # OKI-32: manual outbound only
    if not c.active:
        return "inactive"
    if c.state == "logged_out":
        return "not_signed_in"
    if c.state not in READY_STATES:
        return "not_ready"
    if not c.registered:
        return "not_registered"
    if c.on_call:
        # FCC-30 fixes calls at one at a time; FCC-31 makes a call block every other
        # interaction too. Either way a member on a call is offered no second call.
        return "on_call_blocks" if c.call_blocks_other else "on_call"
    return None


def _share(c: Candidate) -> tuple:
    # OKI-32: a member's share of calls follows its priority. The next call goes to the member
    # whose load would be smallest relative to its priority: equal priorities take turns,
    # priority 2 gets twice the calls of priority 1. Ties: the higher priority, the lower load,
    # then the older member (by id), so the order is stable.
    return ((c.load + 1) / c.priority, -c.priority, c.load, c.user_id)


def distribution(candidates: list[Candidate]) -> list[Slot]:
    """Who gets the next call of the queue, in order, and why the others get none (X-7).
    The routing offers a call to position 1; the preview shows the same list."""
    ready = sorted((c for c in candidates if unavailable_reason(c) is None), key=_share)
    out = [Slot(c.user_id, i, c.priority, True, "ready") for i, c in enumerate(ready, 1)]
    for c in sorted(candidates, key=lambda c: c.user_id):
        reason = unavailable_reason(c)
        if reason is not None:
            out.append(Slot(c.user_id, None, c.priority, False, reason))
    return out
