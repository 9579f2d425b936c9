"""Where the CLI finds its server and credentials: options, then environment, then the login file."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SERVER = "http://127.0.0.1:8000"  # where `make run` serves
CONFIG_ENV = "MATJOBS_CLIENT_CONFIG"
SERVER_ENV = "MATJOBS_SERVER"
TOKEN_ENV = "MATJOBS_TOKEN"
USER_ID_ENV = "MATJOBS_USER_ID"


@dataclass(frozen=True)
class Connection:
    """A server and the credentials to use there (none before `matjobs login`)."""

    server: str
    token: str | None = None
    user_id: str | None = None

    def headers(self) -> dict[str, str]:
        if not self.token:
            return {}
        if self.user_id:
            return {"X-Auth-Token": self.token, "X-User-Id": self.user_id}
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Given:
    """What one source says; None where it says nothing."""

    server: str | None = None
    token: str | None = None
    user_id: str | None = None


def config_path(env: Mapping[str, str]) -> Path:
    given = env.get(CONFIG_ENV)
    if given:
        return Path(given)
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "matjobs" / "client.toml"


def from_env(env: Mapping[str, str]) -> Given:
    return Given(env.get(SERVER_ENV) or None, env.get(TOKEN_ENV) or None, env.get(USER_ID_ENV) or None)


def resolve(options: Given, env: Given, saved: Given) -> Connection:
    """The server from the first source that names one; the token and its user id together from
    the first source that has a token: one source's token is never sent with another's user id."""
    if options.user_id and not options.token:
        raise ValueError("--user-id goes with --token")
    server = (options.server or env.server or saved.server or DEFAULT_SERVER).rstrip("/")
    for source in (options, env, saved):
        if source.token:
            return Connection(server, source.token, source.user_id)
    return Connection(server)


def load(path: Path) -> Given:
    """The login file's settings; nothing if there is none. A file that cannot be read is a ValueError."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return Given()
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path} is not valid TOML: {error}") from None
    return Given(*(_text(data.get(key)) for key in ("server", "token", "user_id")))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def dumps(connection: Connection) -> str:
    """The login file's text. JSON's string escapes are valid in TOML's basic strings."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in _fields(connection) if value]
    return "# written by `matjobs login`\n" + "\n".join(lines) + "\n"


def _fields(connection: Connection) -> list[tuple[str, str | None]]:
    return [("server", connection.server), ("user_id", connection.user_id), ("token", connection.token)]


def save(path: Path, connection: Connection) -> None:
    """Write the file readable by its owner only, replacing any older one whole."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    # Created 0600: the token is never readable by others, not even for a moment.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(dumps(connection))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
