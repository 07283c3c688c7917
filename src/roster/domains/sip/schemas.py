from __future__ import annotations

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
