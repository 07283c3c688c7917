from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from roster.core.schemas import IdRef

Strict = ConfigDict(strict=True, extra="forbid")


class RoleCreate(BaseModel):
    """A custom role (OKI-10): a named set of section permissions."""

    model_config = Strict

    name: str = Field(min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=500)
    permissions: list[str] = Field(default_factory=list, max_length=200)


class RoleUpdate(BaseModel):
    model_config = Strict

    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=500)
    permissions: list[str] | None = Field(default=None, max_length=200)


class RoleOut(BaseModel):
    id: int | None = Field(description="null for built-in roles")
    name: str
    builtin: bool
    account_kind: bool = Field(description="an account kind a user holds in its `roles` (FCC-20)")
    description: str | None = None
    permissions: list[str]
    holders: int | None = None


class GrantIn(BaseModel):
    """Grant the built-in "operator" role or a custom role, optionally within a project."""

    model_config = Strict

    role: str | None = Field(default=None, max_length=40)
    role_id: IdRef | None = None
    project_id: IdRef | None = None


class GrantOut(BaseModel):
    id: int
    role: str
    role_id: int | None
    project_id: int | None


class TenantGrantOut(GrantOut):
    user_id: int


class OverridesIn(BaseModel):
    """Per-person permissions of a supervisor or agent (FCC-22/23, SIPL-10)."""

    model_config = Strict

    grant: list[str] = Field(default_factory=list, max_length=200)
    revoke: list[str] = Field(default_factory=list, max_length=200)


class OverridesOut(BaseModel):
    grant: list[str]
    revoke: list[str]


class SupervisionIn(BaseModel):
    """The users, groups, queues and campaigns a supervisor sees and manages (FCC-22, DAK-10)."""

    model_config = Strict

    users: list[IdRef] = Field(default_factory=list, max_length=5000)
    groups: list[IdRef] = Field(default_factory=list, max_length=500)
    queues: list[IdRef] = Field(default_factory=list, max_length=500)
    campaigns: list[IdRef] = Field(default_factory=list, max_length=500)


class SupervisionOut(BaseModel):
    users: list[int]
    groups: list[int]
    queues: list[int] = Field(default_factory=list)
    campaigns: list[int] = Field(default_factory=list)


class CallVisibilityIn(BaseModel):
    """SIPL-11: the extensions whose calls this person may see and listen to."""

    model_config = Strict

    extensions: list[str] = Field(max_length=2000)


class CallVisibilityOut(BaseModel):
    extensions: list[str]
    default: bool = Field(description="true: no list set, the person sees own calls (SIPL-10)")


class RoleAccess(BaseModel):
    role: str
    permissions: list[str]
    user_scope: list[int] | None = Field(description="null: the whole tenant")
    queue_scope: list[int] | None = Field(
        default=None, description="queues and campaigns it sees; null: all of the tenant")
    signs_in: bool


class GrantedRole(BaseModel):
    id: int
    role: str
    role_id: int | None
    project_id: int | None


class EffectiveAccess(BaseModel):
    user_id: int
    roles: list[str]
    default_role: str | None
    by_role: list[RoleAccess]
    granted_roles: list[GrantedRole]
    permission_grants: list[str]
    permission_revocations: list[str]
    supervises: SupervisionOut
    call_extensions: list[str]
    call_extensions_default: bool
    projects: list[int]
