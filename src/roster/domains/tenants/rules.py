"""Tenant rules (X-T1, DAK-1, SIPL-1): pure functions."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from roster.core.errors import FieldError

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def check_slug(slug: str) -> list[FieldError]:
    if not _SLUG.match(slug):
        return [FieldError("slug", "invalid_slug",
                           "Use 1-63 lower-case letters, digits and inner hyphens.")]
    return []


def check_sip_domain(domain: str) -> list[FieldError]:
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels) \
            or labels[-1].isdigit():
        return [FieldError("sip_domain", "invalid_domain",
                           "A SIP domain is a lower-case host name such as acme.pbx.example.")]
    return []


def check_time_zone(tz: str) -> list[FieldError]:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return [FieldError("time_zone", "invalid_time_zone",
                           "Use an IANA time zone such as Europe/Warsaw.")]
    return []


def check_region(region: str) -> list[FieldError]:
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return [FieldError("phone_region", "invalid_region",
                           "Use an ISO 3166 two-letter region such as PL.")]
    return []
