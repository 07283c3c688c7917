from __future__ import annotations

from typing import Annotated

import httpx

from roster.core.errors import Problem
from roster.core.permissions import Actor, Requires
from roster.core.routing import tenant_router
from roster.core.uow import DB
from roster.domains.sip import service
from roster.domains.sip.schemas import Contact, Registration

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
