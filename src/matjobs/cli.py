"""The command line: serve, migrate, users, demo; and the jobs client (login, jobs, materials, workflows)."""

from __future__ import annotations

import json
import logging
import secrets
import signal
from typing import TYPE_CHECKING, Annotated

import typer

from matjobs.client import commands as client_commands
from matjobs.client.job_commands import jobs
from matjobs.errors import MatjobsError, NotFound

if TYPE_CHECKING:
    from matjobs.settings import Settings
    from matjobs.store import Store

app = typer.Typer(help="matjobs: a self-hosted jobs service for computational materials science.", no_args_is_help=True)
users = typer.Typer(help="Manage users and their accounts.", no_args_is_help=True)
app.add_typer(users, name="users")
app.command(rich_help_panel="Client")(client_commands.login)
app.add_typer(jobs, name="jobs", rich_help_panel="Client")
app.add_typer(client_commands.materials, name="materials", rich_help_panel="Client")
app.add_typer(client_commands.workflows, name="workflows", rich_help_panel="Client")

DEMO_USER = "demo"
STREAMS_CLOSE_AFTER_S = 3


# The settings' and the store's modules load in about half a second: only the server's commands
# import them, so that the client's commands start quickly.


def _store() -> Store:
    from matjobs.settings import Settings
    from matjobs.store import Store

    return Store(Settings.load().sqlalchemy_url)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest revision."""
    from matjobs.store.migrate import upgrade

    store = _store()
    upgrade(store)
    typer.echo(f"database at {store.engine.url.render_as_string(hide_password=True)} is up to date")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: MATJOBS_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default: MATJOBS_PORT or 8000")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes; default MATJOBS_WORKERS or 1")] = None,
) -> None:
    """Serve the API (run `matjobs migrate` first), and run submitted jobs unless MATJOBS_RUNNER=false."""
    from matjobs.runner.process import RunnerProcess
    from matjobs.settings import Settings

    settings = Settings.load()
    runner = None
    if settings.runner:
        runner = RunnerProcess({"MATJOBS_RUNNER_NAME": settings.runner_identity})
        runner.start()
    try:
        _serve(settings, host, port, workers)
    finally:
        if runner is not None:
            runner.stop()


def _serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    import uvicorn

    uvicorn.run(
        "matjobs.api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        log_level="info",
        server_header=False,
        date_header=False,
        # Event streams never end by themselves: past this, a stopping server closes them.
        timeout_graceful_shutdown=STREAMS_CLOSE_AFTER_S,
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )


@app.command()
def runner(
    name: Annotated[
        str | None, typer.Option(help="unique among the runners of one store; default: host and data folder")
    ] = None,
) -> None:
    """Run submitted jobs on their clusters, without serving the API (Ctrl-C stops it)."""
    from matjobs.clusters.registry import Clusters
    from matjobs.runner import Runner, RunnerBusy
    from matjobs.settings import Settings
    from matjobs.store import Store
    from matjobs.store.migrate import is_current

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped like Ctrl-C: cleanly
    # A process started in the background of a shell inherits SIGINT ignored: Ctrl-C must stop it all the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    settings = Settings.load(**({"runner_name": name} if name else {}))
    store = Store(settings.sqlalchemy_url)
    if not is_current(store):
        typer.echo("error: the database schema is not up to date; run `matjobs migrate` first", err=True)
        raise typer.Exit(2)
    try:
        worker = Runner(
            store,
            Clusters.from_config(settings.clusters),
            settings.data_dir,
            name=settings.runner_identity,
            lease_s=settings.runner_lease_seconds,
        )
    except (RunnerBusy, ValueError) as problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2) from None
    notifier = None
    if settings.notify:
        from matjobs.notify.notifier import Notifier

        notifier = Notifier.from_settings(store, settings)
        notifier.start()  # a thread of its own: a slow receiver never holds up the runner
    try:
        worker.run_until_stopped()
    except KeyboardInterrupt:
        worker.stop()
    finally:
        if notifier is not None:
            notifier.stop()


@users.command("create")
def users_create(
    name: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="at least 8 characters")],
) -> None:
    """Create a user with a personal account; prints its ids and a first API token as JSON."""
    from matjobs.settings import Settings
    from matjobs.store.accounts import create_user

    settings = Settings.load()
    store = _store()
    try:
        with store.writing() as conn:
            issued = create_user(
                conn, username=name, password=password, token_lifetime_days=settings.token_lifetime_days
            )
    except MatjobsError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        json.dumps(
            _credentials(
                issued.principal.username, issued.principal.user_id, issued.principal.account_id, issued.token
            ),
            indent=2,
        )
    )


@users.command("tokens")
def users_tokens(name: str) -> None:
    """List a user's API tokens as JSON: public id, issue and expiry times (never the token)."""
    from matjobs.store.accounts import find_user, tokens_of

    store = _store()
    with store.reading() as conn:
        principal = find_user(conn, name)
        found = [] if principal is None else tokens_of(conn, principal.user_id)
    if principal is None:
        typer.echo(f"error: no user {name!r}", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(found, indent=2))


@users.command("revoke")
def users_revoke(name: str, token_id: str) -> None:
    """Revoke one of a user's API tokens by the id `matjobs users tokens` shows."""
    from matjobs.store.accounts import find_user, revoke_token_by_id

    store = _store()
    try:
        with store.writing() as conn:
            principal = find_user(conn, name)
            if principal is None:
                raise NotFound(f"no user {name!r}")
            revoke_token_by_id(conn, principal.user_id, token_id)
    except MatjobsError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"token {token_id} of {name} revoked")


@users.command("email")
def users_email(
    name: str,
    address: Annotated[str | None, typer.Argument(help="where the user's job notices go; omitted: show it")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="send the user no more email")] = False,
) -> None:
    """Show or set the address a user's job notices are emailed to (compute.notify)."""
    from matjobs.notify.accounts import email, set_email_address
    from matjobs.store.accounts import find_user

    store = _store()
    with store.reading() as conn:
        principal = find_user(conn, name)
    if principal is None:
        typer.echo(f"error: no user {name!r}", err=True)
        raise typer.Exit(2)
    if address is None and not clear:
        typer.echo(email(store, user_id=principal.user_id)["email"] or "(none)")
        return
    try:
        set_email_address(store, user_id=principal.user_id, address=None if clear else address)
    except MatjobsError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{name}: notices go to {address}" if not clear else f"{name}: no email")


@app.command()
def demo() -> None:
    """Make sure the demo user exists and print credentials for it (a fresh token each time)."""
    from matjobs.settings import Settings
    from matjobs.store.accounts import create_user, find_user, issue_token

    settings = Settings.load()
    store = _store()
    lifetime = settings.token_lifetime_days
    password = None
    with store.writing() as conn:
        principal = find_user(conn, DEMO_USER)
        if principal is None:
            password = secrets.token_urlsafe(12)
            issued = create_user(conn, username=DEMO_USER, password=password, token_lifetime_days=lifetime)
            principal, token = issued.principal, issued.token
        else:
            token = issue_token(conn, principal, lifetime)
    shown = _credentials(principal.username, principal.user_id, principal.account_id, token)
    if password:
        shown["password"] = password
    typer.echo(json.dumps(shown, indent=2))


def _credentials(username: str, user_id: str, account_id: str, token: str) -> dict[str, str]:
    return {"username": username, "userId": user_id, "accountId": account_id, "token": token}


def main() -> None:
    app()
