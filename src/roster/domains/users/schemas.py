from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator
from pydantic_core import PydanticCustomError

from roster.core.i18n import Language
from roster.core.schemas import IdRef, PatchInput

RoleName = Literal["administrator", "supervisor", "agent", "pbx_user", "uc_user"]
CommunicationMean = Literal["web_workplace", "sip_phone", "work_number", "personal_number"]
Strict = ConfigDict(strict=True, extra="forbid")


class Interactions(BaseModel):
    """FCC-30/31: how many interactions at once, per channel. Calls are fixed at one."""

    model_config = Strict

    call: int | None = Field(default=None, description="Always 1; any other value is refused.")
    email: int | None = Field(default=None, ge=0, le=20)
    sms: int | None = Field(default=None, ge=0, le=20)
    chat: int | None = Field(default=None, ge=0, le=20)
    call_blocks_other: bool | None = None


class EmergencyLocation(BaseModel):
    """FCC-49: three-level administrative location (e.g. voivodeship, powiat, gmina)."""

    model_config = Strict

    region: str | None = Field(default=None, max_length=100)
    county: str | None = Field(default=None, max_length=100)
    commune: str | None = Field(default=None, max_length=100)


class Contact(BaseModel):
    model_config = Strict

    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=32)


class UserWrite(PatchInput):
    """Every field of the user form; on PATCH only the fields sent are changed."""

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    login: str | None = Field(default=None, max_length=120)
    email: EmailStr | None = None
    mobile: str | None = Field(default=None, max_length=32)
    requires_daily_login: bool | None = None
    agent_pin: str | None = Field(default=None, max_length=32,
                                  json_schema_extra={"writeOnly": True})
    active: bool | None = None
    visible: bool | None = None
    panel_access: bool | None = None
    mobile_app: bool | None = None
    ms_teams: bool | None = None
    ms_teams_identity: str | None = Field(default=None, max_length=254)
    keep_station_on_logout: bool | None = None
    language: Language | None = None
    password: str | None = Field(default=None, max_length=256,
                                 json_schema_extra={"writeOnly": True})
    password_must_change: bool | None = None
    description: str | None = Field(default=None, max_length=4000)
    email_notifications: bool | None = None
    ticket_update_notifications: bool | None = None
    roles: list[RoleName] | None = Field(default=None, max_length=5)
    interactions: Interactions | None = None
    did: str | None = Field(default=None, max_length=32)
    external_number: str | None = Field(default=None, max_length=32)
    extension: str | None = Field(default=None, max_length=16)
    sip_password: str | None = Field(default=None, max_length=128,
                                     json_schema_extra={"writeOnly": True})
    recording: bool | None = None
    did_as_station: bool | None = None
    presentation_number: str | None = Field(default=None, max_length=32)
    data_transmission: bool | None = None
    blacklist: list[str] | str | None = Field(default=None, max_length=20000)
    whitelist: list[str] | str | None = Field(default=None, max_length=20000)
    emergency_location: EmergencyLocation | None = None
    contact: Contact | None = None
    communication_means: list[CommunicationMean] | None = Field(default=None, max_length=4)


class UserCreate(UserWrite):
    full_name: str = Field(min_length=1, max_length=200)


BATCH_MAX = 1000


class UserBatchCreate(BaseModel):
    """Many users at once: every row checked like a single create, errors listed per row
    (``row``), nothing created unless every row is right."""

    model_config = Strict

    users: list[UserCreate] = Field(min_length=1, max_length=BATCH_MAX)


class UserPatchRow(UserWrite):
    """One row of a batch update: the user's id and the fields to change."""

    id: IdRef

    @model_validator(mode="after")
    def _not_only_id(self):
        if not self.model_fields_set - {"id"}:
            raise PydanticCustomError("empty_update", "Send at least one field to change.")
        return self

    def change(self) -> UserWrite:
        return UserWrite.model_validate(self.model_dump(exclude_unset=True, exclude={"id"}))


class UserBatchUpdate(BaseModel):
    model_config = Strict

    users: list[UserPatchRow] = Field(min_length=1, max_length=BATCH_MAX)


class SkillLevel(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    skill: str
    level: int


class GroupRef(BaseModel):
    id: int
    name: str
    color: str


class InteractionsOut(BaseModel):
    call: int = 1
    email: int
    sms: int
    chat: int
    call_blocks_other: bool


class UserOut(BaseModel):
    id: int
    full_name: str
    login: str
    email: str | None
    mobile: str | None
    requires_daily_login: bool
    has_pin: bool
    active: bool
    visible: bool
    panel_access: bool
    mobile_app: bool
    ms_teams: bool
    ms_teams_identity: str | None
    keep_station_on_logout: bool
    language: str
    has_password: bool
    password_must_change: bool
    description: str | None
    email_notifications: bool
    ticket_update_notifications: bool
    has_greeting: bool
    has_avatar: bool
    roles: list[str]
    interactions: InteractionsOut
    did: str | None
    external_number: str | None
    extension: str | None
    sip_username: str | None = Field(description="extension@sip-domain (SIPL-1)")
    has_sip_password: bool
    recording: bool
    did_as_station: bool
    presentation_number: str | None
    data_transmission: bool
    blacklist: list[str]
    whitelist: list[str]
    emergency_location: EmergencyLocation
    contact: Contact
    communication_means: list[str]
    skills: list[SkillLevel]
    groups: list[GroupRef]
    granted_roles: list[str] = Field(description='OKI-10: roles granted on top of the account '
                                     'kinds ("operator" or a custom role\'s name)')
    created_at: datetime
    updated_at: datetime


class UserBatchOut(BaseModel):
    items: list[UserOut]


class CallPermission(BaseModel):
    number: str
    allowed: bool
    reason: Literal["whitelisted", "blacklisted", "not_listed"]
    matched: str | None
