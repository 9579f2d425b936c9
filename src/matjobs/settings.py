"""Runtime settings: environment variables prefixed MATJOBS_, and an optional TOML file."""

from __future__ import annotations

import hashlib
import os
import socket
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CONFIG_PATH = Path("matjobs.toml")


def config_file() -> dict[str, Any]:
    """The config file named by MATJOBS_CONFIG (default ./matjobs.toml), or nothing if absent."""
    path = Path(os.environ.get("MATJOBS_CONFIG", DEFAULT_CONFIG_PATH))
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _file_settings() -> dict[str, Any]:
    """The file's [server] table, and its [[clusters]] tables."""
    config = config_file()
    table = {key: value for key, value in config.get("server", {}).items() if value is not None}
    if "clusters" in config:
        table["clusters"] = config["clusters"]
    return table


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATJOBS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data folder"
    )
    workers: int = 1
    max_body_bytes: int = 16 * 1024 * 1024
    max_upload_bytes: int = 1024 * 1024 * 1024  # a file put through a signed upload link
    default_page_size: int = 20
    max_limit: int = 500
    query_budget_ms: int = Field(
        default=5000, gt=0, description="how long one list query a client's selector drives may run; past it, a 400"
    )
    access_log: bool = False
    login_max_failures: int = Field(
        default=10, description="failed logins per user name, and per client address, before a pause"
    )
    login_window_seconds: float = Field(
        default=60.0, description="the window those failures are counted in, and the length of the pause"
    )
    login_concurrency: int = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 1) - 1),
        description="password checks at once (16 MB each); default: one core fewer than the machine has",
    )
    login_queue: int = Field(default=64, description="logins waiting for a check before more answer 503")
    forwarded_allow_ips: str = Field(
        default="",
        description="proxies whose X-Forwarded-For names the client (comma-separated); none by default, so that a "
        "client cannot pick the address the login throttle counts it by",
    )
    token_lifetime_days: float = Field(default=30, description="days an API token is valid after its issue")
    runner: bool = Field(
        default=True, description="`matjobs serve` starts a runner process beside the API (`matjobs runner`: one alone)"
    )
    runner_name: str | None = Field(
        default=None, description="the runner's name in the store, unique per store; default: host and data folder"
    )
    runner_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="a runner renews its lease every third of this; once it runs out, another runner of the store "
        "takes over its jobs",
    )
    public_url: str | None = Field(
        default=None,
        description="where people reach this service, for the links notifications carry; default http://host:port",
    )
    notify: bool = Field(default=True, description="the runner sends the notices jobs ask for (compute.notify)")
    smtp_host: str | None = Field(default=None, description="the SMTP server notices are mailed through; none: no mail")
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_from: str = Field(default="matjobs@localhost", description="the sender of notice emails")
    smtp_user: str | None = Field(default=None, description="with smtp_password: log in to the SMTP server")
    smtp_password: str | None = None
    smtp_starttls: bool = Field(default=False, description="upgrade the SMTP connection with STARTTLS before sending")
    notify_retry_seconds: float = Field(
        default=5.0, gt=0, description="the wait before a failed notice is sent again; doubled each time, up to 10 min"
    )
    notify_attempts: int = Field(default=15, ge=1, description="attempts at a notice before it is given up")
    clusters: list[dict[str, Any]] = Field(
        default_factory=list, description="[[clusters]] tables of the config file; none: one local cluster"
    )

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Environment first, then the config file, then built-in defaults."""
        from_file = {k: v for k, v in _file_settings().items() if f"MATJOBS_{k.upper()}" not in os.environ}
        return cls(**{**from_file, **overrides})

    @property
    def runner_identity(self) -> str:
        """A runner finds the jobs it took by this name after a restart, so it must stay the same
        for one data folder and differ between runners sharing a store."""
        if self.runner_name:
            return self.runner_name
        folder = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:8]
        return f"{socket.gethostname()}-{folder}"

    @property
    def page_url(self) -> str:
        """The base of the links to the web app's pages."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def sqlalchemy_url(self) -> str:
        url = self.database_url or f"sqlite:///{(self.data_dir / 'matjobs.sqlite3').resolve()}"
        # Users paste the libpq form; SQLAlchemy needs the driver named.
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
