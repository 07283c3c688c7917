"""The command line: thin commands over the same services as the API."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from roster import models  # noqa: F401 - complete metadata
from roster.config import get_settings
from roster.core import context, events
from roster.core.errors import Problem, problem_from_integrity_error
from roster.db import create_engine, create_sessionmaker

app = typer.Typer(help="Roster: contact-center people, their lines and their access.",
                  no_args_is_help=True)
admin = typer.Typer(help="Platform administration.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
user_app = typer.Typer(help="Users of a tenant.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
sip_app = typer.Typer(help="Kamailio, the SIP registrar, on Roster's database.", no_args_is_help=True)
agents_app = typer.Typer(help="Agents' state.", no_args_is_help=True)
app.add_typer(admin, name="admin")
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")
app.add_typer(sip_app, name="sip")
app.add_typer(agents_app, name="agents")
T = TypeVar("T")


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _explain(problem: Problem) -> str:
    lines = [f"error: {problem.title} ({problem.status}): {problem.detail}"]
    lines += [f"  {'' if e.row is None else f'row {e.row}: '}{e.field}: {e.code}: {e.message}"
              for e in problem.errors]
    return "\n".join(lines)


def run_in_transaction(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """One transaction per command, committed here (the edge); effects run after commit."""

    async def _main() -> T:
        from roster import wiring

        wiring.build()  # the same policies and reactions as the API
        engine = create_engine(get_settings().resolved_database_url())
        sessionmaker = create_sessionmaker(engine)
        try:
            async with sessionmaker() as session:
                context.actor.set("cli")
                try:
                    result = await fn(session)
                    await session.commit()
                except BaseException:
                    events.discard(session)
                    await session.rollback()
                    await events.run_refusal_records(session, sessionmaker)
                    raise
                await events.run_after_commit(session)
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(_main())
    except Problem as problem:
        _fail(_explain(problem), 2 if problem.status == 422 else 1)
    except IntegrityError as exc:
        _fail(_explain(problem_from_integrity_error(exc)))
    except ValidationError as exc:
        _fail("error: invalid input\n" + "\n".join(
            f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), 2)
    raise AssertionError("unreachable")


def migrate(url: str | None = None) -> None:
    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parents[2]
    cfg = Config(str(root / "alembic.ini"))
    if url:
        cfg.attributes["url"] = url
    command.upgrade(cfg, "head")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the schema to the newest migration."""
    get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    migrate()
    typer.echo("schema is up to date")


@admin.command("create-operator")
def create_operator(name: Annotated[str, typer.Argument(help="operator name")]) -> None:
    """Create a platform operator and print its API token (shown once, stored hashed)."""
    from roster.domains.auth.service import create_operator as create

    _, token = run_in_transaction(lambda db: create(db, name=name))
    typer.echo(token)


@tenant_app.command("create")
def tenant_create(
    slug: str, name: str,
    sip_domain: Annotated[str, typer.Option(help="e.g. acme.pbx.example")],
    time_zone: str = "UTC", language: str = "en", region: str = "PL",
) -> None:
    """Create a tenant."""
    from roster.domains.tenants.schemas import TenantCreate, TenantOut
    from roster.domains.tenants.service import create_tenant

    async def _do(db):
        data = TenantCreate.model_validate({"slug": slug, "name": name, "sip_domain": sip_domain,
                                            "time_zone": time_zone, "default_language": language,
                                            "phone_region": region})
        return TenantOut.model_validate(await create_tenant(db, data=data))

    typer.echo(run_in_transaction(_do).model_dump_json(indent=2))


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants."""
    from sqlalchemy import select

    from roster.domains.tenants.models import Tenant

    async def _do(db):
        return list((await db.execute(select(Tenant).order_by(Tenant.id))).scalars())

    for t in run_in_transaction(_do):
        typer.echo(f"{t.slug}\t{t.name}\t{t.sip_domain}\t{'active' if t.active else 'inactive'}")


def _tenant_actor(db, slug: str):
    from roster.core.permissions import ALL_PERMISSIONS, Actor, Principal
    from roster.domains.tenants.service import get_tenant

    async def _get():
        tenant = await get_tenant(db, slug=slug)
        return Actor(Principal("operator", 0, None, ALL_PERMISSIONS), tenant)

    return _get()


@user_app.command("create")
def user_create(
    tenant: str,
    data: Annotated[str, typer.Argument(help='JSON of the user form, e.g. {"full_name": "Ann"}; '
                                             "- reads it from standard input")],
) -> None:
    """Create a user from the JSON of the user form (same rules as the API)."""
    from roster.domains.users import service
    from roster.domains.users.schemas import UserCreate

    body = _json(sys.stdin.read() if data == "-" else data)

    async def _do(db):
        actor = await _tenant_actor(db, tenant)
        user = await service.create_user(db, tenant=actor.tenant,
                                         data=UserCreate.model_validate(body))
        (out,) = await service.render(db, tenant=actor.tenant, users=[user])
        return out

    typer.echo(run_in_transaction(_do).model_dump_json(indent=2))


@user_app.command("import")
def user_import(
    tenant: str,
    source: Annotated[str, typer.Argument(help="a JSON file holding an array of user forms; "
                                               "- reads it from standard input")],
) -> None:
    """Create many users at once from a JSON array of user forms: the same rules as the API,
    errors listed per row, and nothing created unless every row is right."""
    from pydantic import TypeAdapter

    from roster.domains.users import service
    from roster.domains.users.schemas import UserCreate

    raw = sys.stdin.read() if source == "-" else Path(source).read_text()
    rows = _json(raw)
    if not isinstance(rows, list):
        _fail("error: expected a JSON array of user forms", 2)
    forms = _rows(TypeAdapter(UserCreate), rows)

    async def _do(db):
        actor = await _tenant_actor(db, tenant)
        return await service.create_users(db, tenant=actor.tenant, rows=forms)

    ids = run_in_transaction(_do)
    typer.echo(json.dumps({"created": len(ids), "ids": ids}))


def _json(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        _fail(f"error: not JSON: {exc}", 2)


def _rows(adapter, rows: list) -> list:
    """Each row parsed with the user form; every row's errors listed, with its index."""
    out, errors = [], []
    for i, row in enumerate(rows):
        try:
            out.append(adapter.validate_python(row))
        except ValidationError as exc:
            errors += [f"  row {i}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                       for e in exc.errors()]
    if errors:
        _fail("error: invalid input\n" + "\n".join(errors), 2)
    return out


@user_app.command("list")
def user_list(tenant: str, role: str | None = None, q: str | None = None,
              limit: int = 100) -> None:
    """List users of a tenant."""
    from roster.core.pagination import PageParams
    from roster.domains.users import service
    from roster.domains.users.repository import UserFilters

    async def _do(db):
        actor = await _tenant_actor(db, tenant)
        return await service.list_users(db, actor=actor, filters=UserFilters(role=role, q=q),
                                         page=PageParams(limit=min(limit, 500)))

    for u in run_in_transaction(_do)[:limit]:
        typer.echo(f"{u.id}\t{u.login}\t{u.full_name}\t{','.join(u.role_list)}\t"
                   f"{u.extension or ''}")


@user_app.command("show")
def user_show(tenant: str, user_id: int) -> None:
    """Show one user as JSON."""
    from roster.domains.users import service

    async def _do(db):
        actor = await _tenant_actor(db, tenant)
        user = await service.get_user(db, actor=actor, user_id=user_id)
        (out,) = await service.render(db, tenant=actor.tenant, users=[user])
        return out

    typer.echo(run_in_transaction(_do).model_dump_json(indent=2))


ListenOption = Annotated[list[str] | None, typer.Option(
    "--listen", help="proto:host:port (udp, tcp, tls, ws, wss); repeatable; replaces "
    "ROSTER_SIP_LISTEN and the port settings")]


@sip_app.command("config")
def sip_config(listen: ListenOption = None) -> None:
    """Print Kamailio's configuration rendered from the settings."""
    from roster.domains.sip.service import render_config

    try:
        typer.echo(render_config(get_settings(), listen=listen))
    except ValueError as exc:
        _fail(str(exc))


@sip_app.command("run")
def sip_run(listen: ListenOption = None) -> None:
    """Run Kamailio in the foreground against Roster's database (Ctrl-C stops it)."""
    import os

    from roster.domains.sip.service import prepare

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate()
    try:
        files, cmd = prepare(settings, listen=listen)
    except (RuntimeError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"kamailio: SIP {', '.join(_listeners(settings, listen))}, "
               f"JSON-RPC http://127.0.0.1:{settings.kamailio_http_port}/RPC, "
               f"kamcmd -s unix:{files.dir / 'kamailio_ctl'} ({files.cfg})", err=True)
    os.execvp(cmd[0], cmd)


def _listeners(settings, listen: list[str] | None) -> list[str]:
    from roster.domains.sip import rules

    specs = listen or rules.split_listen_setting(settings.sip_listen)
    return [f"{x.proto}:{x.host}:{x.port}" for x in rules.listeners(
        specs, sip_port=settings.kamailio_sip_port, ws_port=settings.kamailio_ws_port)]


@sip_app.command("start")
def sip_start(listen: ListenOption = None) -> None:
    """Start Kamailio in the background and wait until it answers."""
    from roster.domains.sip.service import start

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate()
    try:
        pid, files = start(settings, listen=listen)
    except (RuntimeError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"kamailio started (pid {pid}); log {files.log}")


@sip_app.command("stop")
def sip_stop() -> None:
    """Stop the Kamailio started with `roster sip start`."""
    from roster.domains.sip.service import stop

    typer.echo("kamailio stopped" if stop(get_settings()) else "kamailio was not running")


@agents_app.command("end-of-day")
def agents_end_of_day() -> None:
    """Log out every agent with daily login still logged in from an earlier day (FCC-4; cron)."""
    from roster.core import clock
    from roster.domains.stations.service import end_of_day_logout

    count = run_in_transaction(lambda db: end_of_day_logout(db, clock.now()))
    typer.echo(f"logged out {count} agent(s)")


@app.command()
def worker(once: Annotated[bool, typer.Option(help="deliver what is due, then exit")] = False
           ) -> None:
    """Deliver the outbox (mail, webhooks) alone, without serving the API. Several workers and
    servers share the work on PostgreSQL. Stops on Ctrl-C or SIGTERM."""
    import signal

    from roster import wiring
    from roster.core import outbox

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def _main() -> None:
        engine = create_engine(settings.resolved_database_url())
        dispatcher = outbox.Dispatcher(create_sessionmaker(engine), wiring.build(),
                                       outbox.Policy.from_settings(settings))
        try:
            if once:
                while await dispatcher.run_once():
                    pass
                return
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, lambda: loop.create_task(dispatcher.stop()))
            typer.echo("outbox worker running", err=True)
            await dispatcher.start()
        finally:
            await engine.dispose()

    asyncio.run(_main())


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Apply migrations and serve the API."""
    import uvicorn

    get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    migrate()
    uvicorn.run("roster.app:create_app", factory=True, host=host, port=port, workers=workers,
                loop="uvloop", http="httptools", log_level="info")


def _port_free(host: str, port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@app.command()
def demo(host: str = "127.0.0.1", port: int = 8000,
         run: Annotated[bool, typer.Option(help="serve after seeding")] = True) -> None:
    """Seed a demo tenant with users on the configured database, print how to sign in, serve."""
    import os

    from roster.demo import seed

    if run and not _port_free(host, port):
        _fail(f"Port {port} on {host} is taken (another program is listening there).\n"
              f"Choose another one: make demo PORT=8080  (or: roster demo --port 8080)")
    settings = get_settings()
    if "ROSTER_SMTP_HOST" not in os.environ and "ROSTER_MAIL_MODE" not in os.environ:
        settings.mail_mode = "console"  # no mail server configured: invitations on the console
    base = f"http://{host}:{port}"
    if "ROSTER_PUBLIC_BASE_URL" not in os.environ:
        settings.public_base_url = base  # invitation links lead to this server
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate()
    info = run_in_transaction(seed)
    mail = ("written to this console (no ROSTER_SMTP_HOST set)" if settings.mail_mode == "console"
            else f"sent to {settings.smtp_host}:{settings.smtp_port}")
    typer.echo(f"""
Roster is ready (database: {settings.resolved_database_url()}).

  Admin panel:     {base}/
  Demo tenant:     {info['tenant']}  (SIP domain {info['sip_domain']})
  Sign in (tenant {info['tenant']}):
    administrator  admin / {info['admin_password']}
    supervisor     supervisor / {info['supervisor_password']}
    agent          agent / {info['agent_password']}
  Platform operator (panel: "Platform operator" on the sign-in page, or the API):
    token          {info['operator_token']}
  Mail:            {mail}

  API docs:        {base}/api/v1/docs
  curl -H "Authorization: Bearer {info['operator_token']}" \\
       {base}/api/v1/tenants/{info['tenant']}/users
""")
    if run:
        import uvicorn

        uvicorn.run("roster.app:create_app", factory=True, host=host, port=port,
                    loop="uvloop", http="httptools", log_level="info")


if __name__ == "__main__":  # pragma: no cover
    app()
