"""Builds the FastAPI application: routers, middleware, error handlers."""

from __future__ import annotations

import logging
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from roster import __version__, models, wiring  # noqa: F401 - complete metadata
from roster.config import Settings, get_settings
from roster.core import context, errors, logs, openapi, outbox
from roster.db import create_engine, create_sessionmaker

log = logging.getLogger("roster")


def routers() -> list:
    from roster.domains.access.router import router as access
    from roster.domains.audit.router import router as audit
    from roster.domains.auth.router import router as auth
    from roster.domains.auth.router import tenant_router as auth_tenant
    from roster.domains.devices.router import provisioning
    from roster.domains.devices.router import router as devices
    from roster.domains.groups.router import router as groups
    from roster.domains.invitations.router import router as invitations
    from roster.domains.numbers.router import router as numbers
    from roster.domains.phone_signin.router import router as phone_signin
    from roster.domains.projects.router import router as projects
    from roster.domains.queues.router import campaigns, queues
    from roster.domains.sip.router import callbacks as sip_callbacks
    from roster.domains.sip.router import router as sip
    from roster.domains.skills.router import router as skills
    from roster.domains.stations.router import agents, feature_codes, stations
    from roster.domains.tenants.router import router as tenants
    from roster.domains.users.router import router as users

    return [tenants, users, skills, groups, queues, campaigns, numbers, audit, auth, auth_tenant,
            access, projects, invitations, devices, stations, agents, sip, feature_codes,
            sip_callbacks, phone_signin, provisioning]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = create_engine(settings.resolved_database_url())
    sessionmaker = create_sessionmaker(engine)
    dispatcher = outbox.Dispatcher(sessionmaker, wiring.build(),
                                   outbox.Policy.from_settings(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The outbox is delivered by every serving process (several share the work on
        # PostgreSQL); `roster worker` runs one alone.
        dispatcher.start()
        try:
            yield
        finally:
            await dispatcher.stop()
            await engine.dispose()

    app = FastAPI(
        title="Roster",
        version=__version__,
        summary="Provisioning and governance of contact-center people.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.dispatcher = dispatcher
    errors.install(app)

    @app.middleware("http")
    async def request_id(request: Request, call_next):
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        context.request_id.set(rid)
        context.actor.set("anonymous")
        response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        return response

    for router in routers():
        app.include_router(router)
    from roster.web.app import install as install_panel

    install_panel(app)
    openapi.install(app)
    logs.install()
    return app
