from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

Strict = ConfigDict(strict=True, extra="forbid")


class LoginIn(BaseModel):
    model_config = Strict

    tenant: str = Field(min_length=1, max_length=63)
    login: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256, json_schema_extra={"writeOnly": True})


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    roles: list[str]
    active_role: str


class SwitchRoleIn(BaseModel):
    model_config = Strict

    role: str = Field(min_length=1, max_length=40)


class MeOut(BaseModel):
    kind: str
    user_id: int | None
    tenant_id: int | None
    roles: list[str]
    active_role: str | None
    permissions: list[str]
    user_scope: list[int] | None = Field(description="null: the whole tenant")
    queue_scope: list[int] | None = Field(
        default=None, description="queues and campaigns it sees; null: all of the tenant")
    call_extensions: list[str]


class LockoutOut(BaseModel):
    failures: int
    locked: bool
    locked_until: datetime | None


class ApiTokenIn(BaseModel):
    model_config = Strict

    name: str = Field(min_length=1, max_length=120)
    role: str = Field(min_length=1, max_length=40,
                      description="an account kind the creator holds, or role:<id>")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiTokenOut(BaseModel):
    id: int
    name: str | None
    role: str | None
    user_id: int | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="shown once; only its hash is stored")
