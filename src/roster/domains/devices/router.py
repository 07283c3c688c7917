from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import PlainTextResponse

from roster.core.errors import not_found
from roster.core.permissions import Actor, Public, Requires
from roster.core.routing import Id, tenant_router
from roster.core.uow import DB, TransactionalRoute
from roster.domains.devices import service
from roster.domains.devices.schemas import (
    DeviceCreate,
    DeviceOut,
    DeviceUpdate,
    IceServers,
    Nat,
    ProvisioningToken,
    RingPlan,
    WebphoneConfig,
)
from roster.domains.users.service import get_user

router = tenant_router("", ["devices"])
# outside the API: desk phones fetch their configuration here (docs/sip.md)
provisioning = APIRouter(prefix="/provisioning", tags=["devices"], route_class=TransactionalRoute)


@router.get("/users/{user_id}/devices", response_model=list[DeviceOut])
async def list_devices(user_id: Id, db: DB,
                       actor: Annotated[Actor, Requires("devices.read")]) -> list[DeviceOut]:
    """OKI-20, DAK-20: the user's devices in ring order."""
    user = await get_user(db, actor=actor, user_id=user_id)
    return service.render(actor.tenant, user, await service.list_devices(db, user=user))


@router.post("/users/{user_id}/devices", status_code=201, response_model=DeviceOut)
async def add_device(user_id: Id, body: DeviceCreate, db: DB, response: Response,
                     actor: Annotated[Actor, Requires("devices.manage")]) -> DeviceOut:
    user = await get_user(db, actor=actor, user_id=user_id)
    device = await service.add_device(db, tenant=actor.tenant, user=user, data=body)
    response.headers["Location"] = (f"/api/v1/tenants/{actor.tenant.slug}/users/{user.id}"
                                    f"/devices/{device.id}")
    return service.render(actor.tenant, user, [device])[0]


@router.patch("/users/{user_id}/devices/{device_id}", response_model=DeviceOut)
async def update_device(user_id: Id, device_id: Id, body: DeviceUpdate, db: DB,
                        actor: Annotated[Actor, Requires("devices.manage")]) -> DeviceOut:
    user = await get_user(db, actor=actor, user_id=user_id)
    device = await service.get_device(db, user=user, device_id=device_id)
    await service.update_device(db, tenant=actor.tenant, user=user, device=device, data=body)
    return service.render(actor.tenant, user, [device])[0]


@router.delete("/users/{user_id}/devices/{device_id}", status_code=204)
async def delete_device(user_id: Id, device_id: Id, db: DB,
                        actor: Annotated[Actor, Requires("devices.manage")]) -> Response:
    user = await get_user(db, actor=actor, user_id=user_id)
    await service.delete_device(db, tenant=actor.tenant,
                                device=await service.get_device(db, user=user, device_id=device_id))
    return Response(status_code=204)


@router.post("/users/{user_id}/devices/{device_id}/provisioning",
             response_model=ProvisioningToken)
async def issue_provisioning(user_id: Id, device_id: Id, db: DB,
                             actor: Annotated[Actor, Requires("devices.manage")]
                             ) -> ProvisioningToken:
    """A desk phone's provisioning address, shown once (a new one revokes the old): point the
    phone's provisioning server at it; it fetches <mac>.cfg from there on boot."""
    user = await get_user(db, actor=actor, user_id=user_id)
    device = await service.get_device(db, user=user, device_id=device_id)
    urls = await service.issue_provisioning(db, tenant=actor.tenant, user=user, device=device)
    return ProvisioningToken(device_id=device.id, mac=device.mac, urls=urls)


@provisioning.get("/{vendor}/{token}/{filename}", response_class=PlainTextResponse,
                  responses={404: {"description": "unknown token, MAC or vendor"}})
async def provisioning_file(vendor: Annotated[str, Path(max_length=10)],
                            token: Annotated[str, Path(max_length=100)],
                            filename: Annotated[str, Path(max_length=40)], db: DB,
                            _: Annotated[None, Public("desk phones fetch their file on boot; the "
                                                      "token in the path and the MAC are the "
                                                      "credential")]) -> Response:
    """Yealink or Polycom configuration for the phone with this MAC (``<mac>.cfg``)."""
    if not filename.endswith(".cfg"):
        raise not_found("provisioning")
    content, media_type = await service.provisioning_file(db, vendor=vendor, token=token,
                                                          mac=filename[:-4])
    return Response(content, media_type=media_type, headers={"Cache-Control": "no-store"})


@router.get("/users/{user_id}/ring-plan", response_model=RingPlan)
async def ring_plan(user_id: Id, db: DB,
                    actor: Annotated[Actor, Requires("devices.read")]) -> RingPlan:
    """DAK-20: the ring chain a PBX should follow for a call to this user."""
    user = await get_user(db, actor=actor, user_id=user_id)
    return await service.ring_plan(db, tenant=actor.tenant, user=user)


@router.get("/users/{user_id}/nat", response_model=Nat)
async def get_nat(user_id: Id, db: DB, actor: Annotated[Actor, Requires("devices.read")]) -> Nat:
    """WEB-22: STUN/TURN on or off for this user."""
    user = await get_user(db, actor=actor, user_id=user_id)
    return Nat(stun_turn=await service.get_nat(db, user=user))


@router.put("/users/{user_id}/nat", response_model=Nat)
async def set_nat(user_id: Id, body: Nat, db: DB,
                  actor: Annotated[Actor, Requires("devices.manage")]) -> Nat:
    user = await get_user(db, actor=actor, user_id=user_id)
    return Nat(stun_turn=await service.set_nat(db, user=user, stun_turn=body.stun_turn))


@router.get("/users/{user_id}/webphone-config", response_model=WebphoneConfig)
async def webphone_config(user_id: Id, db: DB,
                          actor: Annotated[Actor, Requires("devices.read")]) -> WebphoneConfig:
    """WEB-22: SIP over WebSocket address, identity and ICE servers; never the SIP password."""
    user = await get_user(db, actor=actor, user_id=user_id)
    return await service.webphone_config(db, tenant=actor.tenant, user=user)


@router.get("/ice-servers", response_model=IceServers)
async def get_ice_servers(db: DB, actor: Annotated[Actor, Requires("settings.read")]) -> IceServers:
    """WEB-22: the tenant's STUN/TURN servers."""
    return IceServers(servers=await service.get_ice_servers(db, tenant=actor.tenant))


@router.put("/ice-servers", response_model=IceServers)
async def set_ice_servers(body: IceServers, db: DB,
                          actor: Annotated[Actor, Requires("settings.manage")]) -> IceServers:
    return IceServers(servers=await service.set_ice_servers(db, tenant=actor.tenant,
                                                            servers=body.servers))
