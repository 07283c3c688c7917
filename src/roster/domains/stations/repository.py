"""Statements over stations and agent state."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.pagination import PageParams, paginate
from roster.core.queries import one_of
from roster.domains.stations.models import AgentState, AgentStateChange, Station
from roster.domains.tenants.models import Tenant
from roster.domains.users.models import User

register_unique("uq_stations_tenant_id_extension", "extension", "extension_taken",
                "This station extension is already used in the tenant.")
register_unique("uq_stations_agent_id", "agent_pin", "station_taken",
                "The agent is already logged in at another station.")


async def get(db: AsyncSession, tenant_id: int, station_id: int) -> Station | None:
    stmt = select(Station).where(Station.tenant_id == tenant_id, Station.id == station_id)
    return (await db.execute(stmt)).scalar()


async def by_extension(db: AsyncSession, tenant_id: int, extension: str) -> Station | None:
    stmt = select(Station).where(Station.tenant_id == tenant_id, Station.extension == extension)
    return (await db.execute(stmt)).scalar()


async def of_agent(db: AsyncSession, user_id: int) -> Station | None:
    return (await db.execute(select(Station).where(Station.agent_id == user_id))).scalar()


async def list_page(db: AsyncSession, tenant_id: int, page: PageParams) -> list[Station]:
    stmt = paginate(select(Station).where(Station.tenant_id == tenant_id), Station.id, page)
    return list((await db.execute(stmt)).scalars())


async def state_of(db: AsyncSession, user_id: int) -> AgentState | None:
    return await db.get(AgentState, user_id)


async def history(db: AsyncSession, tenant_id: int, user_id: int,
                  page: PageParams) -> list[AgentStateChange]:
    stmt = paginate(select(AgentStateChange).where(AgentStateChange.tenant_id == tenant_id,
                                                   AgentStateChange.user_id == user_id),
                    AgentStateChange.id, page)
    return list((await db.execute(stmt)).scalars())


async def user_by_pin(db: AsyncSession, tenant_id: int, pin_digest: str) -> User | None:
    stmt = select(User).where(User.tenant_id == tenant_id, User.pin_digest == pin_digest)
    return (await db.execute(stmt)).scalar()


async def line_user(db: AsyncSession, tenant_id: int, extension: str) -> User | None:
    stmt = select(User).where(User.tenant_id == tenant_id, User.extension == extension)
    return (await db.execute(stmt)).scalar()


async def logged_in(db: AsyncSession, user_ids: list[int]) -> list[AgentState]:
    """The states of these agents that are not logged out."""
    stmt = select(AgentState).where(one_of(db, AgentState.user_id, user_ids),
                                    AgentState.state != "logged_out")
    return list((await db.execute(stmt)).scalars())


async def tenant_by_domain(db: AsyncSession, sip_domain: str) -> Tenant | None:
    stmt = select(Tenant).where(Tenant.sip_domain == sip_domain.lower())
    return (await db.execute(stmt)).scalar()


async def logged_in_daily(db: AsyncSession) -> list[tuple[AgentState, User, Tenant]]:
    """Agents with daily login who are not logged out, with their tenant (for the day end)."""
    stmt = (select(AgentState, User, Tenant)
            .join(User, User.id == AgentState.user_id)
            .join(Tenant, Tenant.id == AgentState.tenant_id)
            .where(AgentState.state != "logged_out", User.requires_daily_login.is_(True)))
    return [tuple(r) for r in (await db.execute(stmt)).all()]
