from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Contact(BaseModel):
    address: str
    expires: int | None = Field(default=None, description="seconds until the binding expires")
    user_agent: str | None = None


class Registration(BaseModel):
    aor: str = Field(description="extension@sip-domain (SIPL-1)")
    contacts: list[Contact]


class RegistrarStatus(BaseModel):
    reachable: bool
    version: str | None = None


class RouteQuery(BaseModel):
    """Kamailio asks how to route an INVITE from an authenticated line."""

    domain: str = Field(max_length=64, description="the caller's SIP domain (its realm)")
    caller: str = Field(max_length=64, description="the authenticated SIP user name")
    number: str = Field(max_length=64, description="the dialled user part (R-URI)")
    number_domain: str = Field(max_length=253, description="the R-URI's domain")


class RouteTarget(BaseModel):
    uri: str
    after_s: int = Field(description="DAK-20: seconds after the call arrives before it rings")
    lookup: bool = Field(description="true: a registered address of record; false: a URI to "
                         "send the call to as it is (gateway)")


class RouteAnswer(BaseModel):
    code: int = Field(description="200: ring the targets; otherwise the SIP answer to give")
    reason: str
    targets: list[RouteTarget] = []
    pai: str | None = Field(default=None, description="FCC-46: P-Asserted-Identity to present")
    busy: list[int] = Field(default=[], description="users in this call (FCC-30/31)")
    cache: bool = Field(default=False, description="Kamailio may keep this answer until Roster "
                        "flushes its routing cache (ROSTER_SIP_ROUTE_CACHE_S at most)")


class AuthFailures(BaseModel):
    """Kamailio reports an account that failed digest authentication too often."""

    domain: str = Field(max_length=64)
    username: str = Field(max_length=64)
    failures: int = Field(ge=1)
    source: str = Field(max_length=64, description="the source of the last failure")


class SipLockOut(BaseModel):
    username: str
    user_id: int | None
    locked_until: datetime
