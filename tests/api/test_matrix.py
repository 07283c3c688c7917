"""Authorization matrix over every route of the application (FCC-20..25, OKI-10, DAK-10)."""

from __future__ import annotations

from fastapi import APIRouter

from roster.core.permissions import Actor, Requires
from tests import matrix
from tests.conftest import mint_token, unique

BUILTIN = {
    "administrator": (["administrator"], None),
    "supervisor": (["supervisor"], None),
    "agent": (["agent"], None),
    "pbx_user": (["pbx_user"], "pbx_user"),
    "uc_user": (["pbx_user", "uc_user"], "uc_user"),
}


async def _caller(app, http, client, api, slug, name, roles, role, grant=None) -> matrix.Caller:
    from tests.factories import make_user

    user = await make_user(client, api, roles=roles)
    if grant:
        r = await client.post(f"{api}/users/{user['id']}/role-grants", json={"role": grant})
        assert r.status_code == 201, r.text
    role = role or roles[0]
    token = await mint_token(app, user["id"], role)
    me = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text

    async def fresh() -> str:
        # A fresh token per call: routes like /auth/logout-all end the caller's sessions.
        return await mint_token(app, user["id"], role)

    return matrix.Caller(name, fresh, frozenset(me.json()["permissions"]), slug)


async def test_every_route_matches_its_declared_permission(app, anon, client, tenant, api):
    """Each built-in role (FCC-21..25, OKI-10 "operator"), an anonymous client and a user of
    another tenant, on every route of ``app.routes``: allowed, 401, 403 or 404 as declared."""
    slug = tenant["slug"]
    callers = [await _caller(app, anon, client, api, slug, name, roles, role)
               for name, (roles, role) in BUILTIN.items()]
    callers.append(await _caller(app, anon, client, api, slug, "operator (OKI-10)", ["agent"],
                                 "agent", grant="operator"))

    async def nobody() -> None:
        return None

    callers.append(matrix.Caller("anonymous", nobody, anonymous=True))
    other = unique("t-")
    r = await client.post("/api/v1/tenants", json={"slug": other, "name": other,
                                                   "sip_domain": f"{other}.pbx.example"})
    assert r.status_code == 201, r.text
    callers.append(await _caller(app, anon, client, f"/api/v1/tenants/{other}", other,
                                 "administrator of another tenant", ["administrator"], None))

    report = await matrix.walk(app, anon, callers, target_tenant=slug)
    assert not report.undeclared and not report.failures and not report.unexpected_routes, \
        matrix.explain(report)
    assert report.checked > 70 * len(callers)


async def test_route_without_declared_permission_fails_the_matrix(app, anon, tenant):
    """A route declaring neither Requires nor Public is reported, so the suite fails."""
    from fastapi import FastAPI

    bare = FastAPI()
    router = APIRouter()

    @router.get("/api/v1/forgotten")
    async def forgotten() -> dict:
        return {}

    @router.get("/api/v1/declared")
    async def declared(actor: Actor = Requires("audit.read")) -> dict:  # noqa: B008
        return {}

    bare.include_router(router)
    report = await matrix.walk(bare, anon, [], target_tenant=tenant["slug"])
    assert report.undeclared == ["GET /api/v1/forgotten"]
