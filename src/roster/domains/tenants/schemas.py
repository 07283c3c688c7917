from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from roster.core.i18n import Language
from roster.core.schemas import PatchInput


class TenantCreate(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    slug: str = Field(min_length=1, max_length=63, examples=["acme"])
    name: str = Field(min_length=1, max_length=200)
    sip_domain: str = Field(min_length=3, max_length=253, examples=["acme.pbx.example"])
    time_zone: str = Field(default="UTC", max_length=64, examples=["Europe/Warsaw"])
    default_language: Language = "en"
    phone_region: str = Field(default="PL", min_length=2, max_length=2)


class TenantUpdate(PatchInput):

    name: str | None = Field(default=None, min_length=1, max_length=200)
    sip_domain: str | None = Field(default=None, min_length=3, max_length=253)
    time_zone: str | None = Field(default=None, max_length=64)
    default_language: Language | None = None
    phone_region: str | None = Field(default=None, min_length=2, max_length=2)
    active: bool | None = None


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    sip_domain: str
    time_zone: str
    default_language: str
    phone_region: str
    active: bool
    created_at: datetime
