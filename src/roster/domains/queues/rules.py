"""Queue and campaign rules (OKI-31, OKI-32, FCC-22), as pure functions.

OKI-32: a member's priority is an integer 0-100. In a queue, 0 means manual outbound calls only
(no inbound calls from the queue); in a campaign, 0 means the member gets no calls from it.
"""

from __future__ import annotations

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
