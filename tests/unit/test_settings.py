"""Settings: defaults, environment variables, and the optional TOML file (environment wins)."""

from __future__ import annotations

from pathlib import Path

import pytest

from matjobs.settings import Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("MATJOBS_HOST", "MATJOBS_PORT", "MATJOBS_DATA_DIR", "MATJOBS_DATABASE_URL", "MATJOBS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.load()
    assert (settings.host, settings.port, settings.data_dir) == ("127.0.0.1", 8000, Path("var"))
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'var' / 'matjobs.sqlite3'}"


def test_config_file_then_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[server]\nport = 9001\nhost = "127.0.0.2"\ndatabase_url = "postgresql://u@h/db"\n')
    monkeypatch.setenv("MATJOBS_CONFIG", str(config))
    monkeypatch.setenv("MATJOBS_PORT", "9100")
    settings = Settings.load()
    assert settings.host == "127.0.0.2" and settings.port == 9100
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"
