"""Panel fixtures: a browser-like client that signs in through the sign-in form."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.factories import make_user, strong_password

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PanelClient:
    """Cookies kept, the CSRF token read from the last page, like a browser."""

    def __init__(self, app, base_url: str = "http://roster.test") -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self.csrf = ""

    async def get(self, url: str, **kw) -> httpx.Response:
        r = await self.http.get(url, **kw)
        match = CSRF.search(r.text)
        if match:
            self.csrf = match.group(1)
        return r

    async def post(self, url: str, data: dict | None = None, *, csrf: bool = True,
                   **kw) -> httpx.Response:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        r = await self.http.post(url, data=data, **kw)
        match = CSRF.search(r.text)
        if match:
            self.csrf = match.group(1)
        return r

    async def sign_in(self, tenant: str, login: str, password: str) -> httpx.Response:
        await self.get("/login")
        return await self.post("/login", {"tenant": tenant, "login": login, "password": password})


@pytest.fixture
async def panel_as(app, client, api, tenant):
    """``await panel_as(["administrator"])``: a new user of the test's tenant, signed in to the
    panel through its form; returns (PanelClient, user)."""
    opened = []

    async def make(roles: list[str], **fields):
        password = strong_password("Panel-Pass-Long")
        fields.setdefault("language", "en")
        user = await make_user(client, api, roles=roles, password=password, **fields)
        pc = PanelClient(app)
        opened.append(pc)
        r = await pc.sign_in(tenant["slug"], user["login"], password)
        assert r.status_code == 303, r.text
        return pc, user

    yield make
    for pc in opened:
        await pc.http.aclose()
