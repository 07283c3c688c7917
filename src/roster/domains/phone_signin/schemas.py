from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SipCallbackIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    sip_address: str = Field(max_length=200, examples=["100@acme.pbx.example"],
                             description="the person's SIP address: extension@sip-domain")


class SipCallbackStarted(BaseModel):
    id: str = Field(description="the poll key: a secret held by the waiting client only")
    status: str
    expires_in: int = Field(description="seconds the code stays valid")
    poll: str = Field(description="GET this until the status is signed_in (or ends)")


class SipCallbackState(BaseModel):
    """calling (the phone rings or the code is being typed), signed_in (the token is handed
    over now, once), claimed (handed over before), failed, expired."""

    status: str
    access_token: str | None = None
    token_type: str | None = None
    expires_in: int | None = None
    roles: list[str] | None = None
    active_role: str | None = None
