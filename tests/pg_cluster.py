"""A throw-away PostgreSQL cluster for the tests: initdb into a temporary directory, listening on
127.0.0.1 on a free port with its socket in that directory, stopped and removed at the end.

As root the server runs as the ``postgres`` system user (Debian's package creates it), or ``nobody``
when there is none: PostgreSQL refuses to run as root. Tests connect over TCP as ``exready`` with a
password (scram-sha-256), as a scanner on another machine would; the fixture itself uses the
superuser over the socket (trust) to create one database per test.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

USER = "exready"
PASSWORD = "Pg-Test-Pass-2026!"  # noqa: S105 - the throw-away cluster's test account


def find_bindir() -> Path | None:
    """Debian's server binaries (the newest version installed), or initdb on PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bindir: Path
    root: Path
    port: int
    run_as: tuple[int, int] | None  # (uid, gid) when started by root
    durable: bool = False  # PostgreSQL's own defaults (fsync, synchronous commit): for benchmarks

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self.run_as is not None:
            kwargs = {"user": self.run_as[0], "group": self.run_as[1], "extra_groups": []}
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True, check=check,
            cwd=self.root, timeout=120, **kwargs,
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        conf = self.data / "postgresql.conf"
        with conf.open("a", encoding="utf-8") as f:
            f.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "max_connections = 60\n"
            )
            if not self.durable:  # a test cluster: durability is not what is tested, speed on 2 cores is
                f.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 32MB\n")
        (self.data / "pg_hba.conf").write_text(
            "local all postgres trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n",
            encoding="utf-8",
        )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        done = self._run("psql", "-X", "-q", "-A", "-t",
                         "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres",
                         "-d", dbname, "-v", "ON_ERROR_STOP=1", "-c", sql)
        return done.stdout

    def enable_tls(self, cert_pem: bytes, key_pem: bytes) -> None:
        """Serve TLS with this certificate (the server reads the key only if its owner alone can)."""
        for name, data in (("server.crt", cert_pem), ("server.key", key_pem)):
            path = self.data / name
            path.write_bytes(data)
            path.chmod(0o600)
            if self.run_as is not None:
                os.chown(path, *self.run_as)
        self.psql("ALTER SYSTEM SET ssl = on")
        self.psql("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 60
        while self.psql("SHOW ssl").strip() != "on":  # a new session sees the reloaded settings
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not turn TLS on after a reload")
            time.sleep(0.1)

    def url(self, dbname: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}" OWNER {USER} STRATEGY FILE_COPY')
        return self.url(name)


def _run_as() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root with neither a postgres nor a nobody user to run the server as")


@contextmanager
def cluster(durable: bool = False) -> Iterator[Cluster]:
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb) not found")
    root = Path(tempfile.mkdtemp(prefix="exready-pg-"))
    run_as = _run_as()
    c = Cluster(bindir=bindir, root=root, port=_free_port(), run_as=run_as, durable=durable)
    c.socket_dir.mkdir()
    if run_as is not None:
        for path in (root, c.socket_dir):
            os.chown(path, *run_as)
    root.chmod(0o755)
    try:
        c.init()
        for attempt in range(3):  # the free port may be taken between the probe and the start
            try:
                c.start()
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
                time.sleep(0.2)
                c.port = _free_port()
                conf = c.data / "postgresql.conf"
                conf.write_text(conf.read_text(encoding="utf-8") + f"\nport = {c.port}\n", encoding="utf-8")
        c.psql(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
        yield c
    finally:
        c.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
