from __future__ import annotations

from typing import Annotated

from fastapi import Response

from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import Id, api_router, tenant_router
from roster.core.uow import DB
from roster.domains.stations import repository as repo
from roster.domains.stations import service
from roster.domains.stations.models import AgentState, Station
from roster.domains.stations.schemas import (
    AgentStateOut,
    AgentStateWrite,
    FeatureCode,
    FeatureCodeResult,
    PinLogin,
    StateChange,
    StationCreate,
    StationOut,
)
from roster.domains.users.service import get_user

stations = tenant_router("/stations", ["stations"])
agents = tenant_router("/users", ["agent state"])
feature_codes = api_router("/sip", ["sip"])


def _station(s: Station) -> StationOut:
    return StationOut(id=s.id, extension=s.extension, name=s.name, occupied=s.agent_id is not None,
                      reserved=s.reserved_for_id is not None, agent_id=s.agent_id)


def _state(row: AgentState) -> AgentStateOut:
    return AgentStateOut(user_id=row.user_id, state=row.state, station_id=row.station_id,
                         changed_at=row.changed_at)


@stations.post("", status_code=201, response_model=StationOut)
async def create_station(body: StationCreate, db: DB, response: Response,
                         actor: Annotated[Actor, Requires("stations.manage")]) -> StationOut:
    station = await service.create_station(db, tenant=actor.tenant, data=body)
    response.headers["Location"] = f"/api/v1/tenants/{actor.tenant.slug}/stations/{station.id}"
    return _station(station)


@stations.get("", response_model=Page[StationOut])
async def list_stations(db: DB, page: Paging,
                        actor: Annotated[Actor, Requires("stations.read")]) -> Page[StationOut]:
    rows, cursor = page_of(await repo.list_page(db, actor.tenant_id, page), page)
    return Page(items=[_station(s) for s in rows], next_cursor=cursor)


@stations.get("/{station_id}", response_model=StationOut)
async def get_station(station_id: Id, db: DB,
                      actor: Annotated[Actor, Requires("stations.read")]) -> StationOut:
    return _station(await service.get_station(db, tenant=actor.tenant, station_id=station_id))


@stations.delete("/{station_id}", status_code=204)
async def delete_station(station_id: Id, db: DB,
                         actor: Annotated[Actor, Requires("stations.manage")]) -> Response:
    station = await service.get_station(db, tenant=actor.tenant, station_id=station_id)
    await service.delete_station(db, tenant=actor.tenant, station=station)
    return Response(status_code=204)


@stations.post("/{station_id}/login", response_model=AgentStateOut)
async def pin_login(station_id: Id, body: PinLogin, db: DB,
                    actor: Annotated[Actor, Requires("stations.use")]) -> AgentStateOut:
    """FCC-5, DAK-21: log in at a free station with the agent PIN. A station held by another
    agent answers 409 naming no one (FCC-11); wrong PINs are limited like passwords."""
    station = await service.get_station(db, tenant=actor.tenant, station_id=station_id)
    return _state(await service.pin_login(db, tenant=actor.tenant, station=station,
                                          pin=body.agent_pin, caller=actor.principal.label()))


@stations.post("/{station_id}/logout", response_model=StationOut)
async def station_logout(station_id: Id, db: DB,
                         actor: Annotated[Actor, Requires("stations.use")]) -> StationOut:
    station = await service.get_station(db, tenant=actor.tenant, station_id=station_id)
    return _station(await service.station_logout(db, tenant=actor.tenant, station=station))


@agents.get("/{user_id}/agent-state", response_model=AgentStateOut)
async def get_agent_state(user_id: Id, db: DB,
                          actor: Annotated[Actor, Requires("agent_state.read")]) -> AgentStateOut:
    """FCC-4: the agent's state now (daily login applied)."""
    user = await get_user(db, actor=actor, user_id=user_id)
    return _state(await service.current_state(db, tenant=actor.tenant, user=user))


@agents.put("/{user_id}/agent-state", response_model=AgentStateOut)
async def set_agent_state(user_id: Id, body: AgentStateWrite, db: DB,
                          actor: Annotated[Actor, Requires("agent_state.manage")]) -> AgentStateOut:
    user = await get_user(db, actor=actor, user_id=user_id)
    return _state(await service.change_state(db, tenant=actor.tenant, user=user, state=body.state,
                                             source="api"))


@agents.get("/{user_id}/agent-state/history", response_model=Page[StateChange])
async def agent_state_history(user_id: Id, db: DB, page: Paging,
                              actor: Annotated[Actor, Requires("agent_state.read")]
                              ) -> Page[StateChange]:
    user = await get_user(db, actor=actor, user_id=user_id)
    rows, cursor = page_of(await service.history(db, tenant=actor.tenant, user=user, page=page),
                           page)
    return Page(items=[StateChange(id=r.id, at=r.at, previous=r.previous, state=r.state,
                                   source=r.source, station_id=r.station_id) for r in rows],
                next_cursor=cursor)


@feature_codes.post("/feature-code", response_model=FeatureCodeResult)
async def feature_code(body: FeatureCode, db: DB,
                       _: Annotated[Actor, Requires("sip.callback")]) -> FeatureCodeResult:
    """FCC-4: Kamailio hands over a feature code dialled from a registered phone (404#, #300#,
    #302#). 2xx: done; 404: unknown extension or code; other 4xx: refused. Nothing changes on 4xx."""
    user, row = await service.feature_code(db, domain=body.domain, extension=body.extension,
                                           code=body.code)
    return FeatureCodeResult(user_id=user.id, state=row.state)
