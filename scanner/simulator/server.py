"""The fleet simulator's lifecycle: bind one listener per simulated host on loopback, issue the HTTPS
certificates, serve, expire idle shells, and close."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import os
import socket
import ssl
import time
from dataclasses import replace
from pathlib import Path
from typing import Literal

from scanner.errors import SimulatorError
from scanner.simulator import certs, clixml, http
from scanner.simulator.auth import NtlmUserFile
from scanner.simulator.endpoint import HostRuntime
from scanner.simulator.kerberos import acceptor_credentials
from scanner.simulator.profiles import Credentials, SimHost, Site
from scanner.simulator.stats import SimStats

log = logging.getLogger(__name__)

AddressMode = Literal["auto", "address", "port"]
FALLBACK_ADDRESS = "127.0.0.1"
_BACKLOG = 1024
_MISMATCH_NAME = "wrong-host.invalid"
_TLS_HANDSHAKE_S = 30.0


def require_loopback(address: str) -> None:
    """The simulator never listens anywhere but on loopback."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise SimulatorError(f"refusing to listen on {address!r}: not an IP address") from None
    if not ip.is_loopback:
        raise SimulatorError(f"refusing to listen on {address}: not a loopback address (127.0.0.0/8)")


def raise_open_file_limit(wanted: int) -> None:
    """Lift the soft open-file limit towards ``wanted`` where the platform allows it."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit to %d", target)


def _socket(address: str, port: int) -> socket.socket:
    require_loopback(address)
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # on Windows SO_REUSEADDR would let another process take the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class FleetServer:
    """Serves every host of a site from the running event loop."""

    def __init__(
        self,
        site: Site,
        workdir: Path,
        *,
        address_mode: AddressMode = "auto",
        idle_timeout_s: float | None = None,
        max_shells: int | None = None,
        strict_cbt: bool = False,
        expiry_interval_s: float | None = None,
        keytab_dir: Path | None = None,
    ) -> None:
        if address_mode not in ("auto", "address", "port"):
            raise SimulatorError(f"unknown address mode {address_mode!r} (auto, address or port)")
        self.site = site
        self.workdir = Path(workdir)
        self.address_mode = address_mode
        self._idle_timeout_s = idle_timeout_s
        self._max_shells = max_shells
        self._strict_cbt = strict_cbt
        self._expiry_interval_s = expiry_interval_s
        self._keytab_dir = keytab_dir  # one <fqdn>.keytab per host in the domain (scanner.simulator.kerberos)
        self.hosts: tuple[SimHost, ...] = ()
        self.ca_file: Path | None = None
        self.runtimes: dict[str, HostRuntime] = {}
        self._servers: list[asyncio.Server] = []
        self._reserved: list[socket.socket] = []  # bound, never listening: connections are refused
        self._connections: set[asyncio.Task[None]] = set()
        self._expiry: asyncio.Task[None] | None = None
        self._ca: certs.CertificateAuthority | None = None
        self._tls: dict[str, ssl.SSLContext] = {}
        self._users = NtlmUserFile(self.workdir, site.credentials)
        self.fallback_hosts = 0
        self.started = False

    @property
    def credentials(self) -> Credentials:
        return self.site.credentials

    async def start(self) -> None:
        if self.started:
            raise SimulatorError("the simulator is already running")
        for h in self.site.hosts:
            require_loopback(h.address)
        self.workdir.mkdir(parents=True, exist_ok=True)
        raise_open_file_limit(len(self.site.hosts) * 2 + 4096)
        clixml.memoise_long_strings()
        acceptors = acceptor_credentials(self.site.hosts, self._keytab_dir)
        loop = asyncio.get_running_loop()
        bound: list[tuple[SimHost, dict[str, socket.socket]]] = []
        try:
            for h in self.site.hosts:
                host, socks = self._bind(h)
                bound.append((host, socks))
            self._users.install()
            ca = certs.CertificateAuthority() if any(h.https_port for h, _ in bound) else None
            self._ca = ca
            if ca is not None:
                self.ca_file = ca.write(self.workdir / "simulator-ca.pem")
                key_file = self.workdir / "certs" / "hosts-key.pem"
                key_file.parent.mkdir(parents=True, exist_ok=True)
                key_file.write_bytes(ca.leaf_key_pem())
                try:
                    key_file.chmod(0o600)
                except OSError:
                    pass
            hosts: list[SimHost] = []
            for host, socks in bound:
                runtime = HostRuntime(
                    host,
                    self.site.credentials,
                    idle_timeout_s=self._idle_timeout_s,
                    max_shells=self._max_shells,
                    strict_cbt=self._strict_cbt,
                    kerberos=acceptors.get(host.name),
                )
                self.runtimes[host.name] = runtime
                hosts.append(host)
                refused = host.fault is not None and host.fault.kind == "refuse"
                for scheme, sock in socks.items():
                    if refused:
                        self._reserved.append(sock)
                        continue
                    port = sock.getsockname()[1]
                    runtime.set_url(f"{scheme}://{host.address}:{port}/wsman")
                    # TLS starts on each accepted connection, with a context made at the host's first
                    # one: a site of thousands of HTTPS hosts starts at once
                    # asyncio.start_server's streams, with a reader that tells a waiting request
                    # when its client goes
                    server = await loop.create_server(
                        functools.partial(http.stream_protocol, self._client_cb(runtime, scheme == "https")),
                        sock=sock,
                        backlog=_BACKLOG,
                    )
                    self._servers.append(server)
            self.hosts = tuple(hosts)
        except BaseException:
            for _, socks in bound:
                for s in socks.values():
                    s.close()
            await self.close()
            raise
        self._expiry = asyncio.create_task(self._expire_loop())
        self.started = True

    def _bind(self, h: SimHost) -> tuple[SimHost, dict[str, socket.socket]]:
        wanted = {"http": h.http_port, "https": h.https_port}
        if self.address_mode != "port":
            socks: dict[str, socket.socket] = {}
            try:
                for scheme, port in wanted.items():
                    if port is not None:
                        socks[scheme] = _socket(h.address, port)
                return h, socks
            except OSError as exc:
                for s in socks.values():
                    s.close()
                if self.address_mode == "address":
                    raise SimulatorError(
                        f"cannot listen on {h.address} for {h.name}: {exc.strerror or exc} "
                        "(use the port-per-host mode where addresses cannot be bound)"
                    ) from None
                log.info(
                    "%s: cannot listen on %s (%s); using a port on %s",
                    h.name,
                    h.address,
                    exc.strerror or exc,
                    FALLBACK_ADDRESS,
                )
        # one port per listener on 127.0.0.1, chosen by the system
        socks = {}
        try:
            for scheme, port in wanted.items():
                if port is not None:
                    socks[scheme] = _socket(FALLBACK_ADDRESS, 0)
        except OSError as exc:
            for s in socks.values():
                s.close()
            raise SimulatorError(
                f"cannot listen on {FALLBACK_ADDRESS} for {h.name}: {exc.strerror or exc}"
            ) from None
        self.fallback_hosts += 1
        moved = replace(
            h,
            address=FALLBACK_ADDRESS,
            http_port=socks["http"].getsockname()[1] if "http" in socks else None,
            https_port=socks["https"].getsockname()[1] if "https" in socks else None,
        )
        return moved, socks

    def _tls_context(self, runtime: HostRuntime) -> ssl.SSLContext:
        ctx = self._tls.get(runtime.name)
        if ctx is not None:
            return ctx
        ca, host = self._ca, runtime.host
        assert ca is not None  # made at start whenever a host listens on HTTPS
        if host.fault is not None and host.fault.kind == "tls_name_mismatch":
            issued = ca.issue(_MISMATCH_NAME, [_MISMATCH_NAME], [])
        else:
            issued = ca.issue(host.fqdn, [host.fqdn], [])
        cert_file = self.workdir / "certs" / f"{host.name.lower()}.pem"
        cert_file.write_bytes(issued.cert_pem)
        runtime.cbt[True] = certs.tls_server_end_point(issued.der)
        ctx = certs.server_context(cert_file, self.workdir / "certs" / "hosts-key.pem")
        ctx.sni_callback = runtime.note_server_name
        self._tls[runtime.name] = ctx
        return ctx

    def _client_cb(self, runtime: HostRuntime, tls: bool):  # type: ignore[no-untyped-def]
        async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._connections.add(task)
            try:
                if tls:
                    try:
                        await writer.start_tls(
                            self._tls_context(runtime), ssl_handshake_timeout=_TLS_HANDSHAKE_S
                        )
                    except (OSError, ssl.SSLError, TimeoutError):
                        # a client that does not speak TLS, or rejects our certificate: as HTTP.sys,
                        # drop the connection
                        runtime.counters.connections += 1
                        writer.transport.abort()
                        return
                conn = http.Connection(reader, writer, tls)
                await http.serve_connection(conn, runtime.handle, runtime.on_open)
            except asyncio.CancelledError:
                # close() cancels live connections; asyncio's stream callback would log a cancelled
                # task's exception as an error, so end quietly
                pass
            finally:
                if task is not None:
                    self._connections.discard(task)

        return on_client

    async def _expire_loop(self) -> None:
        runtimes = list(self.runtimes.values())
        if not runtimes:
            return
        shortest = min(r.idle_timeout_s for r in runtimes)
        interval = self._expiry_interval_s or min(30.0, max(0.2, shortest / 4))
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for r in runtimes:
                if r.shells():
                    r.expire_shells(now)

    def stats(self) -> SimStats:
        """A snapshot of every host's counters. Call it from the loop's thread."""
        return SimStats({name: r.snapshot() for name, r in self.runtimes.items()})

    async def close(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        for server in self._servers:
            server.close()
        for sock in self._reserved:
            sock.close()
        self._reserved.clear()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        for r in self.runtimes.values():
            r.close_all()
        self._users.uninstall()
        self.started = False
