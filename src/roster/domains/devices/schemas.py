from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DeviceKind = Literal["web_workplace", "sip_phone", "mobile_app", "work_number", "personal_number"]
Strict = ConfigDict(strict=True, extra="forbid")


class DeviceCreate(BaseModel):
    model_config = Strict

    kind: DeviceKind
    target: str | None = Field(default=None, max_length=32,
                               description="phone number, for work_number and personal_number")
    ring_after_s: int = Field(default=0, description="seconds before this device rings (DAK-20)")
    position: int = Field(default=0, ge=0, le=100)
    enabled: bool = True
    sip_password: str | None = Field(
        default=None, max_length=64, description="write-only: the device's own SIP password "
        "(further line devices register as <extension>-<n> with it; stored as HA1 digests only)")
    mac: str | None = Field(default=None, max_length=17,
                            description="a desk phone's MAC address, for provisioning by MAC")


class DeviceUpdate(BaseModel):
    model_config = Strict

    target: str | None = Field(default=None, max_length=32)
    ring_after_s: int | None = None
    position: int | None = Field(default=None, ge=0, le=100)
    enabled: bool | None = None
    sip_password: str | None = Field(default=None, max_length=64, description="write-only")
    mac: str | None = Field(default=None, max_length=17)


class DeviceOut(BaseModel):
    id: int
    kind: str
    target: str | None = Field(description="E.164 number, or extension@sip-domain for line kinds")
    ring_after_s: int
    position: int
    enabled: bool
    is_default: bool
    sip_username: str | None = Field(
        default=None, description="line kinds: the SIP user name it registers as (the "
        "extension for the default device, <extension>-<n> for further ones)")
    has_sip_password: bool = False
    mac: str | None = None


class ProvisioningToken(BaseModel):
    """Shown once: the URL a desk phone is pointed at (it appends <mac>.cfg)."""

    device_id: int
    mac: str
    urls: dict[str, str] = Field(description="per vendor (yealink, polycom): the provisioning "
                                 "server address; the phone appends <mac>.cfg")


class RingDevice(BaseModel):
    device_id: int
    kind: str
    uri: str


class RingStep(BaseModel):
    after_s: int
    devices: list[RingDevice]


class RingPlan(BaseModel):
    user_id: int
    steps: list[RingStep]


class Nat(BaseModel):
    model_config = Strict

    stun_turn: bool = Field(description="WEB-22: use STUN/TURN for NAT traversal")


class IceServer(BaseModel):
    model_config = Strict

    urls: list[str] = Field(min_length=1, max_length=5)
    username: str | None = Field(default=None, max_length=200)
    credential: str | None = Field(default=None, max_length=200)


class IceServers(BaseModel):
    model_config = Strict

    servers: list[IceServer] = Field(max_length=20)


class WebphoneConfig(BaseModel):
    """What a web phone needs to register; never the SIP password."""

    sip_uri: str
    authorization_user: str
    realm: str
    display_name: str
    websocket_url: str = Field(description="SIP over WebSocket: ROSTER_KAMAILIO_WS_URL, or "
                               "Kamailio's own ws://127.0.0.1:<kamailio_ws_port>")
    stun_turn: bool
    ice_servers: list[IceServer]
