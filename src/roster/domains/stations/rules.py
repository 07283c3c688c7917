"""Pure rules of stations and agent state (FCC-4, FCC-5, FCC-11, DAK-21)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LOGGED_OUT = "logged_out"
LOGGED_IN = "logged_in"
READY_CAMPAIGN = "ready_campaign"
READY_OTHER = "ready_other"
STATES = (LOGGED_OUT, LOGGED_IN, READY_CAMPAIGN, READY_OTHER)

# FCC-4: dialled from the phone
FEATURE_CODES = {"404#": LOGGED_OUT, "#300#": READY_CAMPAIGN, "#302#": READY_OTHER}
_CODE_SHAPE = re.compile(r"^[0-9*#]{1,32}$")


class MalformedCode(ValueError):
    pass


def parse_feature_code(code: str) -> str | None:
    """The state a feature code asks for; None for a well-formed code that means nothing.
    Anything that is not digits, ``*`` and ``#`` with at least one of ``*#`` is malformed."""
    if not _CODE_SHAPE.match(code) or not any(c in code for c in "*#"):
        raise MalformedCode(code)
    return FEATURE_CODES.get(code)


def local_day(instant: datetime, time_zone: str) -> date:
    return instant.astimezone(ZoneInfo(time_zone)).date()


def day_end(instant: datetime, time_zone: str) -> datetime:
    """The first instant of the local day after ``instant`` (the tenant's midnight)."""
    zone = ZoneInfo(time_zone)
    next_day = instant.astimezone(zone).date() + timedelta(days=1)
    return datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)


def logged_out_by_day_end(*, state: str, changed_at: datetime, now: datetime, time_zone: str,
                          requires_daily_login: bool) -> bool:
    """FCC-4: an agent with daily login still logged in on an earlier local day of its tenant
    counts as logged out (it is logged out at that day's end)."""
    return (requires_daily_login and state != LOGGED_OUT
            and local_day(changed_at, time_zone) < local_day(now, time_zone))


def station_decision(*, agent_id: int, station_agent_id: int | None,
                     reserved_for_id: int | None) -> str:
    """May this agent log in here? "ok", "already_here", or "taken" (someone else is logged in,
    or FCC-11 keeps the station for another agent). The answer never says who."""
    if station_agent_id == agent_id:
        return "already_here"
    if station_agent_id is not None:
        return "taken"
    if reserved_for_id is not None and reserved_for_id != agent_id:
        return "taken"
    return "ok"


def reservation_after_logout(*, keep_station_on_logout: bool, agent_id: int,
                             reserved_for_id: int | None) -> int | None:
    """FCC-11: the station stays reserved for an agent who keeps it; otherwise it is free."""
    if keep_station_on_logout:
        return agent_id
    return None if reserved_for_id == agent_id else reserved_for_id
