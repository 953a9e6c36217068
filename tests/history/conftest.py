"""The history tests run against both backends: ``location`` is a SQLite file, or a new database in
the session's throw-away PostgreSQL cluster (tests/pg_cluster.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.credentials import Secret
from scanner.history.backend import PgSettings


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | PgSettings:
    if request.param == "sqlite":
        return tmp_path / "h.sqlite3"
    import pg_cluster

    url: str = request.getfixturevalue("pg_url")
    return PgSettings(url=url, password=Secret(pg_cluster.PASSWORD))


