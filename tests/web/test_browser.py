"""The panel in a real browser (Debian's Chromium driven by Playwright) against a real server
(uvicorn on a free loopback port): the user form end to end, languages, keyboard use, and
axe-core on every page in every language. Screenshots of every page in English and Polish go to
build/screenshots/ for a person to look at."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.async_api import expect

from roster.web.i18n import LANGUAGES
from tests.conftest import _DATA, _free_port, unique
from tests.factories import make_number, make_user, strong_password

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SHOTS = ROOT / "build" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does)",
                allow_module_level=True)


class LiveServer:
    """uvicorn serving the application in a thread of its own, on a free 127.0.0.1 port."""

    def __init__(self, database_url: str) -> None:
        import uvicorn

        from roster.app import create_app
        from roster.config import Settings

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(Settings(database_url=database_url, data_dir=_DATA))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def start(self) -> None:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the server did not start")

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.to_thread(self.thread.join, 10)


@pytest.fixture(scope="session")
async def live(backend):
    server = LiveServer(backend.url)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    pw = await async_playwright().start()
    chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield chromium
    await chromium.close()
    await pw.stop()


@pytest.fixture
async def page(browser):
    # the panel's own Content-Security-Policy in force: its scripts must work under it
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    p = await context.new_page()
    p.set_default_timeout(10_000)
    yield p
    await context.close()


async def _sign_in(page, live, tenant: str, login: str, password: str) -> None:
    await page.goto(f"{live.url}/login")
    await page.get_by_label(re.compile("^(Tenant|Firma|Mandant|Компания|Компанія)")).fill(tenant)
    await page.locator("#f-login").fill(login)
    await page.locator("#f-password").fill(password)
    await page.locator("#f-password").press("Enter")
    await page.wait_for_url(re.compile(r"/(users|profile)"))


async def test_user_form_end_to_end_x_ui1(page, live, client, api, tenant, mailbox):
    """Sign in, create a user with only a name and an e-mail (the invitation arrives), fill every
    tab, see field errors, assign a DID and a queue priority, switch role, change language,
    sign out."""
    password = strong_password("Browser-Admin-Pass")
    admin = await make_user(client, api, roles=["administrator", "supervisor"],
                            password=password, language="en", full_name="Ada Admin")
    number = await make_number(client, api)
    queue = (await client.post(f"{api}/queues", json={"name": "support"})).json()
    await client.post(f"{api}/skills", json={"name": "english"})
    await client.post(f"{api}/groups", json={"name": "trainees", "color": "#1E88E5"})

    await page.goto(f"{live.url}/login")
    await page.get_by_role("link", name="Polski").click()
    assert await page.locator("html").get_attribute("lang") == "pl"
    await expect(page.get_by_role("button", name="Zaloguj się")).to_be_visible()
    await page.get_by_role("link", name="English").click()
    await _sign_in(page, live, tenant["slug"], admin["login"], password)

    # OKI-40: a name and an e-mail are enough
    await page.get_by_role("link", name="Add user").click()
    email = f"{unique('nina.')}@example.com"
    await page.get_by_label("Full name").fill("Nina Nowak")
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_role("button", name="Create").click()
    await page.wait_for_url(re.compile(r"/users/\d+/basic"))
    user_id = int(re.search(r"/users/(\d+)/", page.url).group(1))
    await expect(page.get_by_text("The user is created.")).to_be_visible()
    for _ in range(50):
        if mailbox.to(email):
            break
        await asyncio.sleep(0.1)
    assert mailbox.to(email), "the invitation mail did not arrive"

    # Basic: a field error beside its field, what was typed is kept
    await page.get_by_label("Mobile phone").fill("+48 601 234 567")
    await page.get_by_label("Agent identifier (PIN)").fill("12345")
    await page.get_by_label("Description").fill("Night shift")
    await page.get_by_role("button", name="Save").click()
    error = page.locator("#f-agent_pin ~ .invalid-feedback")
    assert "consecutive digits" in await error.inner_text()
    assert await page.get_by_label("Description").input_value() == "Night shift"
    await page.get_by_label("Agent identifier (PIN)").fill("48213")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url(re.compile(r"saved=1"))

    # Permissions: account kinds, call visibility (SIPL-11)
    await page.get_by_role("link", name="Permissions").click()
    await page.locator("#roles").get_by_label("Supervisor").check()
    await page.locator("#roles").get_by_role("button", name="Save").click()
    await page.wait_for_url(re.compile(r"/permissions"))
    await page.get_by_label("Extensions whose calls").fill("101, 102")
    await page.locator("#calls").get_by_role("button", name="Save").click()
    await page.wait_for_url(re.compile(r"saved=1"))

    # Multiple interactions (FCC-30/31)
    await page.get_by_role("link", name="Multiple interactions").click()
    await page.get_by_label("E-mails at once").fill("3")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url(re.compile(r"saved=1"))

    # Telephony: DID from the free numbers, extension, generated SIP password, lists, location
    await page.get_by_role("link", name="Telephony").click()
    await page.get_by_label("Number (DID)").select_option(number["number"])
    await page.get_by_label("Short number (extension)").fill("7")
    await page.get_by_role("button", name="Generate").click()
    generated = await page.locator("#f-sip_password").input_value()
    assert len(generated) >= 16
    await page.get_by_label("Black list").fill("+48700123456, +48800*")
    await page.get_by_label("Region (voivodeship)").fill("mazowieckie")
    await page.get_by_role("button", name="Save").first.click()
    assert "at least 3 digits" in await page.locator("#f-extension ~ .invalid-feedback") \
        .inner_text()
    assert await page.get_by_label("Region (voivodeship)").input_value() == "mazowieckie"
    await page.get_by_label("Short number (extension)").fill("781")
    await page.locator("#f-sip_password").fill(generated)
    await page.get_by_role("button", name="Save").first.click()
    await page.wait_for_url(re.compile(r"saved=1"))
    # a ring chain: the mobile after 10 seconds (DAK-20)
    await page.locator("#d-kind").select_option("personal_number")
    await page.locator("#d-target").fill("+48 601 234 568")
    await page.locator("#d-after").fill("10")
    await page.get_by_role("button", name="Add device").click()
    await page.wait_for_url(re.compile(r"saved=1"))

    # Skills and groups
    await page.get_by_role("link", name="Skills and groups").click()
    await page.get_by_label("english").select_option("4")
    await page.get_by_role("button", name="Save skills").click()
    await page.wait_for_url(re.compile(r"saved=1"))
    await page.get_by_label("trainees").check()
    await page.get_by_role("button", name="Save groups").click()
    await page.wait_for_url(re.compile(r"saved=1"))

    # Queues and campaigns: a priority, with OKI-32's meaning beside it
    await page.get_by_role("link", name="Queues and campaigns").click()
    await expect(page.get_by_text("What the priority means")).to_be_visible()
    await page.get_by_label("Priority", exact=True).fill("5")
    await page.get_by_role("button", name="Add", exact=True).click()
    await page.wait_for_url(re.compile(r"saved=1"))

    got = (await client.get(f"{api}/users/{user_id}")).json()
    assert got["did"] == number["number"] and got["extension"] == "781"
    assert got["has_sip_password"] and got["has_pin"] and got["interactions"]["email"] == 3
    assert got["roles"] == ["supervisor", "agent"] or set(got["roles"]) == {"supervisor", "agent"}
    assert got["blacklist"] == ["+48700123456", "+48800*"]
    assert got["emergency_location"]["region"] == "mazowieckie"
    assert got["skills"] == [{"skill": "english", "level": 4}]
    assert [g["name"] for g in got["groups"]] == ["trainees"]
    members = (await client.get(f"{api}/queues/{queue['id']}/members")).json()["items"]
    assert [(m["user_id"], m["priority"]) for m in members] == [(user_id, 5)]
    devices = (await client.get(f"{api}/users/{user_id}/devices")).json()
    assert any(d["kind"] == "personal_number" and d["ring_after_s"] == 10 for d in devices)
    visible = (await client.get(f"{api}/users/{user_id}/call-visibility")).json()
    assert visible["extensions"] == ["101", "102"]

    # FCC-20: change permissions without signing in again
    await page.goto(f"{live.url}/profile/role")
    await page.get_by_label("Supervisor").check()
    await page.get_by_role("button", name="Switch").click()
    await page.wait_for_url(re.compile(r"/users"))
    await expect(page.locator("header").get_by_text("Supervisor")).to_be_visible()

    # FCC-12: the panel language from the profile, then ?lang= for the session
    await page.goto(f"{live.url}/profile")
    await page.get_by_label("Panel language").select_option("ru")
    await page.get_by_role("button", name="Save").first.click()
    assert await page.locator("html").get_attribute("lang") == "ru"
    await expect(page.get_by_role("heading", name="Мой профиль")).to_be_visible()
    await page.goto(f"{live.url}/users?lang=uk")
    await expect(page.get_by_role("heading", name="Користувачі")).to_be_visible()
    await page.goto(f"{live.url}/users?lang=pl")
    await expect(page.get_by_role("heading", name="Użytkownicy")).to_be_visible()
    await page.get_by_role("button", name="Wyloguj się").click()
    await page.wait_for_url(re.compile(r"/login"))
    await page.goto(f"{live.url}/users")
    await page.wait_for_url(re.compile(r"/login\?next="))


async def test_sign_in_with_the_keyboard_only(page, live, client, api, tenant):
    password = strong_password("Keyboard-Pass-Long")
    user = await make_user(client, api, roles=["agent"], password=password, language="en")
    await page.goto(f"{live.url}/login?lang=en")
    await page.keyboard.press("Tab")  # the skip link comes first
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    focused = []
    for text in (tenant["slug"], user["login"], password):
        await page.keyboard.press("Tab")
        while await page.evaluate("document.activeElement.tagName") != "INPUT":
            await page.keyboard.press("Tab")
        focused.append(await page.evaluate("document.activeElement.name"))
        await page.keyboard.type(text)
    assert focused == ["tenant", "login", "password"]
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/profile"))
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # the skip link moves the focus to the content
    assert await page.evaluate("document.activeElement.id") == "main"


def _serious(violations: list[dict]) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in violations if v.get("impact") in ("serious", "critical")]


async def _axe(page) -> list[str]:
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return _serious(result["violations"])


async def test_every_page_in_every_language_passes_axe_and_is_photographed(
        browser, live, backend, client, api, tenant, mailbox, operator_token):
    """axe-core: no serious or critical violation on any page in pl, en, de, ru, uk. Screenshots
    of each page in English and Polish are written to build/screenshots/<lang>/."""
    if backend.name != "sqlite":
        pytest.skip("pages render the same on both backends: swept once, on SQLite")
    password = strong_password("Sweep-Admin-Pass")
    admin = await make_user(client, api, roles=["administrator", "supervisor"],
                            password=password, language="en", full_name="Ada Admin")
    agent = await make_user(client, api, roles=["agent"], full_name="Adam Agent",
                            email=f"{unique('adam.')}@example.com", extension="701")
    role = (await client.post(f"{api}/roles", json={"name": "Quality team", "permissions":
                                                    ["quality.read"]})).json()
    group = (await client.post(f"{api}/groups", json={"name": "Night", "color": "#8E24AA"})
             ).json()
    await client.post(f"{api}/groups/{group['id']}/members", json={"user_id": agent["id"]})
    queue = (await client.post(f"{api}/queues", json={"name": "Sales"})).json()
    await client.post(f"{api}/queues/{queue['id']}/members", json={"user_id": agent["id"],
                                                                   "priority": 3})
    await client.post(f"{api}/skills", json={"name": "german"})
    await client.post(f"{api}/projects", json={"name": "Retail"})
    await client.post(f"{api}/campaigns", json={"name": "Renewals"})
    await make_number(client, api)
    key = re.search(r"/set-password/(\S+)", (await mailbox.wait_for(agent["email"]))[-1].get_body(
        preferencelist=("plain",)).get_content()).group(1)
    uid = agent["id"]
    signed_in_pages = {
        "users": "/users", "user-new": "/users/new",
        **{f"user-{t}": f"/users/{uid}/{t}" for t in ("basic", "permissions", "interactions",
                                                      "telephony", "skills", "queues",
                                                      "changes")},
        "profile": "/profile", "change-permissions": "/profile/role", "roles": "/roles",
        "role": f"/roles/{role['id']}", "skills": "/skills", "groups": "/groups",
        "group": f"/groups/{group['id']}", "projects": "/projects", "queues": "/queues",
        "queue": f"/queues/{queue['id']}", "campaigns": "/campaigns", "numbers": "/numbers",
        "audit": "/audit", "settings": "/settings", "not-found": "/no/such/page",
    }
    public_pages = {"sign-in": "/login", "password-recovery": "/password-recovery",
                    "operator-sign-in": "/login/operator", "set-password": f"/set-password/{key}"}
    failures: dict[str, list[str]] = {}
    # bypass_csp: axe-core is injected as a script the panel's policy would (rightly) refuse
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    await context.add_init_script(path=str(AXE))  # axe-core in every page as it loads
    page = await context.new_page()
    page.set_default_timeout(10_000)
    for lang in LANGUAGES:
        shots = SHOTS / lang if lang in ("en", "pl") else None
        if shots:
            shots.mkdir(parents=True, exist_ok=True)
        await context.clear_cookies()
        for name, path in public_pages.items():
            await page.goto(f"{live.url}{path}?lang={lang}")
            assert await page.locator("html").get_attribute("lang") == lang, (name, lang)
            failures[f"{lang} {name}"] = await _axe(page)
            if shots:
                await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        await page.goto(f"{live.url}/login?lang={lang}")
        await page.locator("#f-tenant").fill(tenant["slug"])
        await page.locator("#f-login").fill(admin["login"])
        await page.locator("#f-password").fill(password)
        await page.locator("#f-password").press("Enter")
        await page.wait_for_url(re.compile(r"/users"))
        for name, path in signed_in_pages.items():
            await page.goto(f"{live.url}{path}")
            assert await page.locator("html").get_attribute("lang") == lang, (name, lang)
            failures[f"{lang} {name}"] = await _axe(page)
            if shots:
                await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        # a platform operator's tenants page
        await context.clear_cookies()
        await page.goto(f"{live.url}/login/operator?lang={lang}")
        await page.locator("#f-token").fill(operator_token)
        await page.locator("#f-token").press("Enter")
        await page.wait_for_url(re.compile(r"/tenants"))
        assert await page.locator("html").get_attribute("lang") == lang
        failures[f"{lang} tenants"] = await _axe(page)
        if shots:
            await page.screenshot(path=str(shots / "tenants.png"), full_page=True)
    await context.close()
    bad = {k: v for k, v in failures.items() if v}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())
    assert len(failures) == len(LANGUAGES) * (len(public_pages) + len(signed_in_pages) + 1)
