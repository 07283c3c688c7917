"""A demo tenant with a few users, for trying Roster out."""

from __future__ import annotations

import secrets as pysecrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.domains.auth.service import create_operator
from roster.domains.tenants.models import Tenant
from roster.domains.tenants.schemas import TenantCreate
from roster.domains.tenants.service import create_tenant
from roster.domains.users.schemas import UserCreate
from roster.domains.users.service import create_user

DEMO_SLUG = "demo"


def _password() -> str:
    return f"Demo-{pysecrets.token_hex(6)}!"


async def seed(db: AsyncSession) -> dict[str, str]:
    """Create (or reuse) the demo tenant, and a fresh operator token and fresh passwords for its
    administrator, supervisor and agent."""
    _, token = await create_operator(db, name=f"demo-{pysecrets.token_hex(4)}")
    tenant = (await db.execute(select(Tenant).where(Tenant.slug == DEMO_SLUG))).scalar()
    admin_password, supervisor_password, agent_password = _password(), _password(), _password()
    if tenant is None:
        tenant = await create_tenant(db, data=TenantCreate(
            slug=DEMO_SLUG, name="Demo Contact Center", sip_domain="demo.pbx.example",
            time_zone="Europe/Warsaw", default_language="en", phone_region="PL"))
        from roster.domains.numbers.service import add_number

        for n in ("+48221234500", "+48221234501", "+48221234502"):
            await add_number(db, tenant=tenant, number=n)
        await create_user(db, tenant=tenant, data=UserCreate(
            full_name="Ada Admin", login="admin", email="admin@demo.example.com",
            roles=["administrator", "supervisor"], password=admin_password))
        await create_user(db, tenant=tenant, data=UserCreate(
            full_name="Sylwia Supervisor", login="supervisor", email="sup@demo.example.com",
            roles=["supervisor"], password=supervisor_password, language="pl"))
        await create_user(db, tenant=tenant, data=UserCreate(
            full_name="Adam Agent", login="agent", email="agent@demo.example.com",
            roles=["agent"], extension="101", sip_password="Demo-Sip-101!",
            agent_pin="48213", requires_daily_login=True, did="+48221234500",
            password=agent_password))
        await create_user(db, tenant=tenant, data=UserCreate(
            full_name="Piotr PBX", login="pbx", roles=["pbx_user", "uc_user"],
            extension="102", sip_password="Demo-Sip-102!", panel_access=False))
    else:
        from roster.domains.users.models import User
        from roster.domains.users.schemas import UserWrite
        from roster.domains.users.service import update_user

        for login, password in (("admin", admin_password), ("supervisor", supervisor_password),
                                ("agent", agent_password)):
            user = (await db.execute(select(User).where(User.tenant_id == tenant.id,
                                                        User.login == login))).scalar()
            if user is not None:
                await update_user(db, tenant=tenant, user=user,
                                  data=UserWrite(password=password))
    return {"operator_token": token, "tenant": tenant.slug, "sip_domain": tenant.sip_domain,
            "admin_login": "admin", "admin_password": admin_password,
            "supervisor_password": supervisor_password, "agent_password": agent_password}
