"""`matjobs login`, `matjobs materials import` and `matjobs workflows list`; the jobs commands
are in job_commands.py."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from matjobs.client import config
from matjobs.client.common import ServerOption, TokenOption, UserIdOption, connect, console, fail, reported
from matjobs.client.remote import Server
from matjobs.client.views import structure_format, workflow_row

materials = typer.Typer(help="Your materials on a matjobs server.", no_args_is_help=True)
workflows = typer.Typer(help="Your workflows, and the bank's.", no_args_is_help=True)


@reported
def login(
    username: Annotated[str, typer.Option(prompt=True, help="your matjobs user name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="asked for when not given")],
    server: ServerOption = None,
) -> None:
    """Log in with a user name and password; keeps the server, user id and token in
    ~/.config/matjobs/client.toml (or MATJOBS_CLIENT_CONFIG), readable by you only."""
    env = dict(os.environ)
    target = server or config.from_env(env).server or config.load(_path()).server or config.DEFAULT_SERVER
    with Server(config.Connection(target.rstrip("/"))) as anonymous:
        connection = anonymous.login(username, password)
    config.save(_path(), connection)
    console.print(f"logged in to {connection.server} as {username}; credentials saved in {_path()}")


def _path() -> Path:
    return config.config_path(dict(os.environ))


@materials.command("import")
@reported
def materials_import(
    file: Annotated[Path, typer.Argument(help="a CIF file, or a POSCAR (POSCAR, CONTCAR, *.vasp, *.poscar)")],
    name: Annotated[str | None, typer.Option(help="default: the file's name without its extension")] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="cif or poscar; default: from the file's name")
    ] = None,
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    """Create a material from a structure file; prints its id (and on stderr its name and formula)."""
    with connect(server, token, user_id) as api:
        material = import_structure(api, file, name, file_format)
    typer.echo(f"imported {file} as material {material.get('name', '')!r} ({material.get('formula', '')})", err=True)
    typer.echo(material["_id"])


def import_structure(api: Server, file: Path, name: str | None, file_format: str | None) -> dict[str, Any]:
    """The new material read from `file` (shared with `jobs create --material`)."""
    try:
        chosen = file_format or structure_format(file)
        content = file.read_text()
    except ValueError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror}")
    return api.import_material(name or file.stem or file.name, content, chosen)


@workflows.command("list")
@reported
def workflows_list(
    bank: Annotated[bool, typer.Option("--bank", help="the bank's workflows, which any account may use")] = False,
    name: Annotated[str | None, typer.Option(help="only names containing this text (any case)")] = None,
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    """List your workflows, or the bank's (`jobs create --workflow` takes a name or id of either)."""
    selector = {"name": {"$regex": re.escape(name), "$options": "i"}} if name else None
    with connect(server, token, user_id) as api:
        found = api.documents("bank-workflows" if bank else "workflows", selector)
    table = Table("id", "name", "applications", "units", title="the bank's workflows" if bank else "your workflows")
    for workflow in found:
        table.add_row(*workflow_row(workflow))
    console.print(table)
