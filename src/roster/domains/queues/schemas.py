from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from roster.core.schemas import IdRef, PatchInput, StrictInput

# The priority range (OKI-32) is documented here and checked by rules.check_priority, so the
# refusal carries its own code (priority_out_of_range).
PRIORITY_DOC = ("0-100. In a queue 0 means manual outbound only (no inbound calls); "
                "in a campaign 0 means no calls.")


class QueueCreate(StrictInput):
    """OKI-31: a queue has a name and a scenario."""

    name: str = Field(min_length=1, max_length=80, examples=["support"])
    scenario: str | None = Field(default=None, max_length=200,
                                 description="the call-handling scenario (free text/identifier)")
    extension: str | None = Field(default=None, max_length=10, examples=["500"],
                                  description="the number callers dial to reach the queue")


class QueueUpdate(PatchInput):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    scenario: str | None = Field(default=None, max_length=200)
    extension: str | None = Field(default=None, max_length=10)


class QueueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    scenario: str | None
    extension: str | None = None


class DistributionSlot(BaseModel):
    user_id: int
    position: int | None = Field(description="1 gets the next call; null: gets none now")
    priority: int
    available: bool
    reason: str = Field(description="ready | priority_zero | inactive | not_signed_in | "
                        "not_ready | not_registered | on_call | on_call_blocks")


class Distribution(BaseModel):
    """OKI-32, X-7: who gets the next call of the queue, in order, and why the others do not;
    computed by the same code that routes the queue's calls."""

    items: list[DistributionSlot]


class CampaignCreate(StrictInput):
    """OKI-31: an auto-dialer campaign has a name."""

    name: str = Field(min_length=1, max_length=80, examples=["renewals"])


class CampaignUpdate(PatchInput):
    name: str | None = Field(default=None, min_length=1, max_length=80)


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class QueueMemberIn(StrictInput):
    user_id: IdRef
    priority: int = Field(description=PRIORITY_DOC, json_schema_extra={"minimum": 0,
                                                                        "maximum": 100})


class PriorityIn(PatchInput):
    priority: int = Field(description=PRIORITY_DOC, json_schema_extra={"minimum": 0,
                                                                        "maximum": 100})


class FromGroupIn(StrictInput):
    """OKI-30: add every member of a group at once, with one priority."""

    group_id: IdRef
    priority: int = Field(description=PRIORITY_DOC, json_schema_extra={"minimum": 0,
                                                                        "maximum": 100})


class QueueMemberOut(BaseModel):
    user_id: int
    full_name: str
    login: str
    priority: int


class FromGroupOut(BaseModel):
    added: list[QueueMemberOut]
    skipped: list[int] = Field(description="members of the group already in it")
