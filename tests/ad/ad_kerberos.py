"""The Kerberos realm of the test Samba DC, for the simulated hosts and the scanner.

- ``write_krb5_conf``: a private krb5.conf (selected with KRB5_CONFIG) naming the DC's KDC, with no DNS
  look-up of any kind (no KDC or realm discovery, no host name canonicalisation, no reverse DNS).
- ``join_hosts``: a computer account per simulated host (servicePrincipalName HTTP/<fqdn>), added over
  LDAPS, then the domain's keys exported once with ``samba-tool domain exportkeytab`` and each account's
  keys written into ``<fqdn>.keytab`` under the name HTTP/<fqdn>@REALM, as a Windows member keeps them.
- ``kinit``: a ticket into a cache file with MIT's kinit (the krb5-user package).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterable
from pathlib import Path

from ad_samba import REALM, SBIN_PATH, SambaDC

WORKSTATION_TRUST_ACCOUNT = 0x1000


def kerberos_skip_reason() -> str | None:
    """None when the Kerberos tests can run here (python-gssapi, python-krb5, MIT's kinit), else why not."""
    import importlib.util
    import shutil

    for module in ("gssapi", "krb5"):
        if importlib.util.find_spec(module) is None:
            return f"python {module} is not installed: pip install 'exready[kerberos]' (bash tests/run does)"
    if shutil.which("kinit") is None:
        return "MIT kinit is not installed: apt-get install krb5-user (bash tests/run does)"
    return None


def require_kerberos() -> None:
    reason = kerberos_skip_reason()
    if reason is not None:
        import pytest

        pytest.skip(reason)  # a failure under CI=true: the tests are marked samba (tests/conftest.py)


def write_krb5_conf(path: Path, kdc: str, realm: str = REALM) -> Path:
    domain = realm.lower()
    path.write_text(
        "[libdefaults]\n"
        f"\tdefault_realm = {realm}\n"
        "\tdns_lookup_realm = false\n"
        "\tdns_lookup_kdc = false\n"
        "\tdns_canonicalize_hostname = false\n"
        "\trdns = false\n"
        "\tudp_preference_limit = 0\n"  # TCP: a closed port refuses at once
        "\tkdc_timeout = 2000\n"
        "\tmax_retries = 1\n"
        "[realms]\n"
        f"\t{realm} = {{\n\t\tkdc = {kdc}\n\t}}\n"
        "[domain_realm]\n"
        f"\t.{domain} = {realm}\n\t{domain} = {realm}\n",
        encoding="utf-8",
    )
    return path


def join_hosts(dc: SambaDC, hosts: Iterable[tuple[str, str]], keytab_dir: Path) -> list[str]:
    """Computer accounts for (name, fqdn) pairs and one keytab per host in ``keytab_dir``. Returns the
    names."""
    import krb5

    pairs = list(hosts)
    keytab_dir.mkdir(parents=True, exist_ok=True)
    conn = dc.connect()
    try:
        for name, fqdn in pairs:
            attrs = {
                "sAMAccountName": f"{name}$",
                "userAccountControl": str(WORKSTATION_TRUST_ACCOUNT),
                "dNSHostName": fqdn,
                "unicodePwd": f'"{secrets.token_urlsafe(24)}"'.encode("utf-16-le"),
                "servicePrincipalName": [f"HTTP/{fqdn}"],
            }
            ok = conn.add(f"CN={name},CN=Computers,{dc.base_dn}", ["top", "person", "organizationalPerson", "user",
                                                                  "computer"], attrs)
            assert ok, conn.result
    finally:
        conn.unbind()
    exported = keytab_dir / "domain.keytab"
    done = subprocess.run(
        ["samba-tool", "domain", "exportkeytab", str(exported), "-s", str(dc.directory / "etc" / "smb.conf")],
        capture_output=True, timeout=120, env={**os.environ, "PATH": SBIN_PATH}, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-1000:]
    ctx = krb5.init_context()
    by_account = {f"{name}$@{REALM}".lower(): fqdn for name, fqdn in pairs}
    source = krb5.kt_resolve(ctx, f"FILE:{exported}".encode())
    try:
        for entry in source:
            principal = entry.principal.name.decode()
            fqdn = by_account.get(principal.lower())
            if fqdn is None:
                continue  # the DC's, krbtgt's and the users' keys stay out of the hosts' keytabs
            target = krb5.kt_resolve(ctx, f"FILE:{keytab_dir / (fqdn.lower() + '.keytab')}".encode())
            service = krb5.parse_name_flags(ctx, f"HTTP/{fqdn}@{REALM}".encode())
            krb5.kt_add_entry(ctx, target, service, entry.kvno, entry.timestamp, entry.key)
    finally:
        del source
        exported.unlink()
    return [name for name, _ in pairs]


def kinit(principal: str, password: str, ccache: Path, *, lifetime: str | None = None) -> None:
    cmd = ["kinit", "-c", f"FILE:{ccache}"]
    if lifetime:
        cmd += ["-l", lifetime]
    done = subprocess.run([*cmd, principal], input=password + "\n", capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr


def skew_ccache(source: Path, target: Path, seconds: int) -> Path:
    """A copy of a ticket cache whose header records a KDC time offset of ``seconds``: MIT krb5 adds it
    to this machine's clock for every request made with the cache (kdc_timesync), so the client's clock
    is that far from the KDC's and the hosts'."""
    data = bytearray(source.read_bytes())
    # FILE ccache v4: 0x0504, header length, then tag 1 (DeltaTime): length 8, seconds, microseconds
    assert data[:2] == b"\x05\x04" and data[4:8] == b"\x00\x01\x00\x08", "not a v4 ccache with a time offset"
    data[8:12] = seconds.to_bytes(4, "big", signed=True)
    target.write_bytes(bytes(data))
    return target
