"""A real Samba AD domain controller on a private loopback address, provisioned into a directory.

Used by the session fixture in tests/ad/conftest.py. Everything binds to one 127.x address; the
smb.conf is written before provisioning so that provision never adds a DNS forwarder (which would
send queries off the machine).
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import ldap3

REALM = "CORP.EXAMPLE.TEST"
NETBIOS_DOMAIN = "CORP"
DC_NAME = "DC1"
DNS_DOMAIN = REALM.lower()
BASE_DN = ",".join("DC=" + part for part in DNS_DOMAIN.split("."))
ADMIN_PASSWORD = "Passw0rd!Test"  # noqa: S105 - throwaway test DC; meets the default complexity policy
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])

SMB_CONF = """\
[global]
\tnetbios name = {host}
\tworkgroup = {domain}
\trealm = {realm}
\tserver role = active directory domain controller
\tinterfaces = {ip}/8
\tbind interfaces only = yes
\tdisable netbios = yes
\tserver services = ldap cldap kdc
\tprivate dir = {d}/private
\tlock directory = {d}
\tstate directory = {d}/state
\tcache directory = {d}/cache
\tbinddns dir = {d}/bind-dns
\tpid directory = {d}/run
\tncalrpc dir = {d}/run/ncalrpc
\twinbindd socket directory = {d}/run/winbindd
\tlog file = {d}/log/samba.log
\tlogging = file
\tdsdb:schema update allowed = true
\tldap server require strong auth = {strong_auth}

[sysvol]
\tpath = {d}/state/sysvol

[netlogon]
\tpath = {d}/state/sysvol/{dnsdomain}/scripts
"""

APT_HINT = "run 'bash tests/setup_samba.sh' as root (Debian: samba samba-ad-dc samba-ad-provision)"


def samba_skip_reason() -> str | None:
    """None when a Samba AD DC can be started here, else why not."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None or geteuid() != 0:
        return "needs root: the Samba AD DC binds ports 88/389/636 and owns its files as root"
    for binary in ("samba", "samba-tool"):
        if shutil.which(binary, path=SBIN_PATH) is None:
            return f"'{binary}' is not installed: {APT_HINT}"
    if not Path("/usr/share/samba/setup").is_dir():
        return f"samba-ad-provision is not installed (/usr/share/samba/setup is missing): {APT_HINT}"
    return None


def reserve_loopback_ip(start: int = 2) -> tuple[str, IO[str]]:
    """A 127.0.0.x address where nothing answers on 389 or 636, held with a lock file until the
    returned handle is closed, so that two test sessions on one machine never pick the same address
    (the address is chosen before the DC starts listening on it)."""
    import fcntl  # POSIX only, like the Samba DC itself

    for last in range(start, 250):
        ip = f"127.0.0.{last}"
        handle = open(Path(tempfile.gettempdir()) / f"exready-test-dc-{ip}.lock", "w")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        if any(port_open(ip, port) for port in (389, 636)):
            handle.close()
            continue
        return ip, handle
    raise RuntimeError("no free 127.0.0.x address for a test DC")


def port_open(ip: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((ip, port)) == 0


def closed_loopback_port(ip: str = "127.0.0.1") -> int:
    """A port on which nothing listens (bound then released)."""
    with socket.socket() as sock:
        sock.bind((ip, 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class SambaDC:
    ip: str
    directory: Path
    strong_auth: str
    base_dn: str = BASE_DN
    dns_domain: str = DNS_DOMAIN
    netbios_domain: str = NETBIOS_DOMAIN
    user: str = f"Administrator@{DNS_DOMAIN}"
    password: str = ADMIN_PASSWORD

    @property
    def config_dn(self) -> str:
        return "CN=Configuration," + self.base_dn

    @property
    def schema_dn(self) -> str:
        return "CN=Schema," + self.config_dn

    @property
    def ca_file(self) -> Path:
        """The CA of Samba's auto-generated certificate."""
        return self.directory / "private" / "tls" / "ca.pem"

    @property
    def tls_name(self) -> str:
        """The name in the auto-generated certificate (it has no IP SAN)."""
        return f"{DC_NAME}.{DNS_DOMAIN}"

    def connect(self, get_info: str = ldap3.NONE) -> ldap3.Connection:
        """An admin connection over verified LDAPS, for populating the directory."""
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.ca_file), valid_names=[self.tls_name])
        server = ldap3.Server(self.ip, port=636, use_ssl=True, tls=tls, get_info=get_info, connect_timeout=5)
        return ldap3.Connection(server, self.user, self.password, auto_bind=True, receive_timeout=30)


def provision(directory: Path, ip: str, strong_auth: str) -> SambaDC:
    for sub in ("etc", "run", "log", "private", "state", "cache", "bind-dns"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    conf = directory / "etc" / "smb.conf"
    conf.write_text(
        SMB_CONF.format(
            host=DC_NAME,
            domain=NETBIOS_DOMAIN,
            realm=REALM,
            ip=ip,
            d=directory,
            dnsdomain=DNS_DOMAIN,
            strong_auth=strong_auth,
        )
    )
    cmd = [
        "samba-tool",
        "domain",
        "provision",
        f"--targetdir={directory}",
        f"--realm={REALM}",
        f"--domain={NETBIOS_DOMAIN}",
        "--server-role=dc",
        "--dns-backend=SAMBA_INTERNAL",
        f"--adminpass={ADMIN_PASSWORD}",
        f"--host-name={DC_NAME}",
        f"--host-ip={ip}",
        "--use-rfc2307",
    ]
    done = subprocess.run(cmd, capture_output=True, timeout=300, env={**os.environ, "PATH": SBIN_PATH}, check=False)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"samba-tool domain provision failed ({done.returncode}): {tail}")
    return SambaDC(ip=ip, directory=directory, strong_auth=strong_auth)


def clone(template: SambaDC, directory: Path, ip: str) -> SambaDC:
    """A copy of a provisioned, stopped DC under another directory and address (0.05 s instead of a
    4 s provision). Copy before the template's first start: a running DC's files are in use."""
    shutil.copytree(template.directory, directory, symlinks=True)
    conf = directory / "etc" / "smb.conf"
    text = conf.read_text().replace(str(template.directory), str(directory))
    conf.write_text(text.replace(f"interfaces = {template.ip}/8", f"interfaces = {ip}/8"))
    (directory / "run" / "samba.pid").unlink(missing_ok=True)
    return SambaDC(ip=ip, directory=directory, strong_auth=template.strong_auth)


def _wait_for_ldap(dc: SambaDC, proc: subprocess.Popen[bytes], logfile: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"samba exited with {proc.returncode}; see {logfile}")
        try:
            server = ldap3.Server(
                dc.ip,
                port=636,
                use_ssl=True,
                tls=ldap3.Tls(validate=ssl.CERT_NONE),
                get_info=ldap3.NONE,
                connect_timeout=1,
            )
            conn = ldap3.Connection(server, auto_bind=True, receive_timeout=2)  # anonymous rootDSE read
            conn.search("", "(objectClass=*)", ldap3.BASE, attributes=["defaultNamingContext"])
            ready = bool(conn.response)
            conn.unbind()
            # our own DC generates its TLS key before it answers LDAPS; without the file, whatever
            # answered is not this DC
            if ready and dc.ca_file.exists():
                return
        except ldap3.core.exceptions.LDAPException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"samba LDAP not ready after {timeout}s; see {logfile}")


@contextmanager
def running(dc: SambaDC) -> Iterator[subprocess.Popen[bytes]]:
    """Run samba in the foreground; it exits on EOF on stdin, so it cannot outlive the test process."""
    samba = shutil.which("samba", path=SBIN_PATH)
    assert samba is not None
    logfile = dc.directory / "log" / "stdout.log"
    log: IO[bytes]
    with open(logfile, "wb") as log:
        proc = subprocess.Popen(
            [samba, "-s", str(dc.directory / "etc" / "smb.conf"), "-i", "-M", "single"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE,
        )
    try:
        _wait_for_ldap(dc, proc, logfile)
        yield proc
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # EOF: samba -i shuts down at once
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
