"""Which history database a command opens: ``--db`` (a file, or a postgresql:// URL), else the sweep
configuration's [history] (db or url), else history.sqlite3 in the user's state directory. The
PostgreSQL password comes from the environment ($EXREADY_DB_PASSWORD or the variable [history]
password_env names), [history] password_file, or libpq's own sources (PGPASSWORD, PGPASSFILE or
~/.pgpass, a service file); never from the command line or the URL."""

from __future__ import annotations

import os
from pathlib import Path

from scanner.history.backend import PgSettings, is_postgres_url
from scanner.history.store import HistoryStore, default_db_path
from scanner.sweep.config import HistoryConfig
from scanner.sweep.password_file import read_password_file


def history_location(db: str | Path | None, config: HistoryConfig | None = None) -> Path | PgSettings:
    cfg = config or HistoryConfig()
    text = str(db) if db is not None else None
    if text is not None and is_postgres_url(text):
        return pg_settings(text, cfg)
    if text is not None:
        return Path(text).expanduser()
    if cfg.url is not None:
        return pg_settings(cfg.url, cfg)
    return cfg.db or default_db_path()


def pg_settings(url: str, cfg: HistoryConfig) -> PgSettings:
    password = None
    env = os.environ.get(cfg.password_env)
    if env:
        from scanner.credentials import Secret

        password = Secret(env)
    elif cfg.password_file is not None:
        password = read_password_file(cfg.password_file)
    return PgSettings(
        url=url, password=password, ca_file=cfg.ca_file, insecure_skip_tls_verify=cfg.insecure_skip_tls_verify
    )


def open_history(
    db: str | Path | None, config: HistoryConfig | None = None, *, create: bool = False, read_only: bool = False
) -> HistoryStore:
    return HistoryStore(history_location(db, config), create=create, read_only=read_only)
