from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Path, Response

from roster.core.errors import Problem
from roster.core.permissions import Actor, Requires
from roster.core.routing import api_router, tenant_router
from roster.core.uow import DB
from roster.domains.sip import service
from roster.domains.sip.schemas import (
    AuthFailures,
    Contact,
    Registration,
    RouteAnswer,
    RouteQuery,
    SipLockOut,
)

router = tenant_router("/sip", ["sip"])


@router.get("/registrations", response_model=list[Registration])
async def registrations(db: DB, actor: Annotated[Actor, Requires("pbx.read")]) -> list[Registration]:
    """The tenant's lines registered on the registrar now (X-5), as Kamailio reports them."""
    reg = service.registrar()
    if reg is None:
        raise Problem(503, "Registrar not configured", "No Kamailio JSON-RPC URL is set.",
                      code="registrar_unavailable")
    suffix = "@" + actor.tenant.sip_domain
    try:
        aors = [a for a in await reg.aors() if a.endswith(suffix)]
        out = []
        for a in sorted(aors):
            contacts = await reg.contacts(a)
            out.append(Registration(aor=a, contacts=[
                Contact(address=c.get("Address", ""), expires=c.get("Expires"),
                        user_agent=c.get("User-Agent")) for c in contacts]))
    except (httpx.HTTPError, service.RegistrarError) as exc:
        raise Problem(503, "Registrar unavailable", str(exc), code="registrar_unavailable") from exc
    return out


# --- Kamailio's questions (the sip.callback principal only) ---------------------------------

callbacks = api_router("/sip", ["sip"])


@callbacks.post("/route", response_model=RouteAnswer)
async def route_call(body: RouteQuery, db: DB,
                     _: Annotated[Actor, Requires("sip.callback")]) -> RouteAnswer:
    """How to route an INVITE from an authenticated line: the branches to ring with their
    delays (DAK-20), the queue member offered the call (OKI-32), or the SIP refusal."""
    return await service.route_call(db, domain=body.domain, caller=body.caller,
                                    number=body.number, number_domain=body.number_domain)


@callbacks.post("/auth-failures", status_code=204)
async def auth_failures(body: AuthFailures, db: DB,
                        _: Annotated[Actor, Requires("sip.callback")]) -> Response:
    """An account failed digest authentication too often, from any number of sources: it is
    locked like a panel sign-in (audited as ``locked``)."""
    await service.lock_account(db, domain=body.domain, username=body.username,
                               failures=body.failures, source=body.source)
    return Response(status_code=204)


@router.get("/locks", response_model=list[SipLockOut])
async def list_locks(db: DB, actor: Annotated[Actor, Requires("pbx.read")]) -> list[SipLockOut]:
    """SIP accounts locked now after failed authentications."""
    return [SipLockOut(username=lk.username, user_id=lk.user_id, locked_until=lk.locked_until)
            for lk in await service.locks(db, tenant=actor.tenant)]


@router.delete("/locks/{username}", status_code=204)
async def unlock(username: Annotated[str, Path(max_length=16)], db: DB,
                 actor: Annotated[Actor, Requires("pbx.manage")]) -> Response:
    """Lift a SIP account's lock before it ends (audited as ``unlocked``)."""
    await service.unlock_account(db, tenant=actor.tenant, username=username)
    return Response(status_code=204)
