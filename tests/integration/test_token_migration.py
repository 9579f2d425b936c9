"""Tokens issued before revision 0012 get a public id and expire their lifetime after issue."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from matjobs.store import Store
from matjobs.store.migrate import upgrade


def test_existing_tokens_expire_thirty_days_after_they_were_issued(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'matjobs.sqlite3'}")
    try:
        upgrade(store, "0011")
        with store.writing() as conn:
            conn.execute(sa.text("INSERT INTO accounts VALUES ('a1', 'old', '2026-01-31T10:00:00.000Z')"))
            conn.execute(
                sa.text("INSERT INTO users VALUES ('u1', 'old', 'scrypt$x', 'a1', '2026-01-31T10:00:00.000Z')")
            )
            for digest in ("d1", "d2"):
                conn.execute(sa.text(f"INSERT INTO tokens VALUES ('{digest}', 'u1', 'a1', '2026-01-31T10:00:00.000Z')"))
        upgrade(store, "0012")
        with store.reading() as conn:
            rows = conn.execute(sa.text("SELECT id, expires_at FROM tokens ORDER BY token_hash")).all()
    finally:
        store.dispose()
    assert [row[1] for row in rows] == ["2026-03-02T10:00:00.000Z"] * 2
    assert len({row[0] for row in rows}) == 2 and all(len(row[0]) == 17 for row in rows)
