from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Strict = ConfigDict(strict=True, extra="forbid")
State = Literal["logged_out", "logged_in", "ready_campaign", "ready_other"]


class StationCreate(BaseModel):
    model_config = Strict

    extension: str = Field(min_length=1, max_length=10)
    name: str = Field(min_length=1, max_length=120)


class StationOut(BaseModel):
    id: int
    extension: str
    name: str
    occupied: bool
    reserved: bool
    agent_id: int | None = Field(description="shown to those who may manage stations")


class PinLogin(BaseModel):
    model_config = Strict

    agent_pin: str = Field(min_length=1, max_length=32)


class AgentStateOut(BaseModel):
    user_id: int
    state: State
    station_id: int | None
    changed_at: datetime | None


class AgentStateWrite(BaseModel):
    model_config = Strict

    state: State


class StateChange(BaseModel):
    id: int
    at: datetime
    previous: str
    state: str
    source: str
    station_id: int | None


class FeatureCode(BaseModel):
    model_config = Strict

    domain: str = Field(min_length=1, max_length=253)
    extension: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=64)


class FeatureCodeResult(BaseModel):
    user_id: int
    state: State
