from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Strict = ConfigDict(strict=True, extra="forbid")


class RecoveryIn(BaseModel):
    """FCC-14: ask for a password-reset link by e-mail."""

    model_config = Strict

    tenant: str = Field(min_length=1, max_length=63)
    email: EmailStr


class Accepted(BaseModel):
    status: str = "accepted"


class InvitationSent(BaseModel):
    status: str = Field(default="queued", description="queued: the mail leaves through the "
                        "outbox once the change is committed, retried while the mail server "
                        "is unreachable")
    expires_at: str


class PasswordSet(BaseModel):
    status: str = "password_set"
