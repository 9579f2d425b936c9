"""What every client command shares: the connection options, and failures told in one line."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Annotated, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from matjobs.client import config
from matjobs.client.remote import ClientError, Server

P = ParamSpec("P")
R = TypeVar("R")

ServerOption = Annotated[
    str | None,
    typer.Option("--server", help="the server's URL; default: MATJOBS_SERVER, the login file, http://127.0.0.1:8000"),
]
TokenOption = Annotated[
    str | None, typer.Option("--token", help="an API token; default: MATJOBS_TOKEN, or the login file's")
]
UserIdOption = Annotated[
    str | None, typer.Option("--user-id", help="the token's user id (without it the token is sent as a Bearer token)")
]

console = Console(soft_wrap=True)  # a message is one line, however narrow the terminal


def connect(server: str | None, token: str | None, user_id: str | None) -> Server:
    """The server to call: the options, then MATJOBS_SERVER/MATJOBS_TOKEN/MATJOBS_USER_ID, then the login file."""
    env = dict(os.environ)
    try:
        saved = config.load(config.config_path(env))
        connection = config.resolve(config.Given(server, token, user_id), config.from_env(env), saved)
    except ValueError as error:
        raise ClientError(str(error)) from None
    return Server(connection)


def reported(command: Callable[P, R]) -> Callable[P, R]:
    """The command, its failures told as one line on stderr with exit code 1, never a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ClientError as error:
            fail(error.message)
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return run


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
