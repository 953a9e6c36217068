"""Client CPU per host with Kerberos beside NTLM, in the same run, against a real KDC.

A Samba AD DC is provisioned on a free 127.0.0.x (as the tests do); N simulated hosts are joined to
its domain (a computer account with HTTP/<fqdn> each, the keys exported from the DC into per-host
keytabs) and served by the fleet simulator in its own process. exready's own session (connect,
authenticate, open a pool, run the collector, close) runs on every host twice per round: once with
Negotiate/NTLM from a password, once with Kerberos from a ticket cache kinit filled. CPU is user +
system time of this process (the client) and of the simulator, over each pass (psutil); the KDC's CPU
(samba) is reported apart.

    python bench/kerberos.py [--hosts 60] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "ad"))

from ad_kerberos import join_hosts, kerberos_skip_reason, kinit, write_krb5_conf  # noqa: E402
from ad_samba import provision, reserve_loopback_ip, running, samba_skip_reason  # noqa: E402
from results_md import RESULTS, write_section  # noqa: E402

from scanner.collect.session import collector_for  # noqa: E402
from scanner.credentials import Credentials, Secret  # noqa: E402
from scanner.model.host import AuthMethod, Host  # noqa: E402
from scanner.simulator import SimulatorProcess, write_site_file  # noqa: E402
from scanner.transport.settings import TransportSettings  # noqa: E402
from scanner.transport.winrm import HostSession  # noqa: E402

DOMAIN = "corp.example.test"
SIM_USER, SIM_PASSWORD = "svc-scan", "Sim-Passw0rd!"  # noqa: S105 - the simulator's throwaway account
CONCURRENCY = 16


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


def _pass(hosts: list[Host], settings: TransportSettings) -> tuple[int, list[str]]:
    def one(host: Host) -> str | None:
        try:
            answer = HostSession(host, settings, collector_for).run()
        except Exception as exc:  # counted: a benchmark reports failures, it does not stop on them
            return f"{host.name}: {exc}"
        return None if answer.output else f"{host.name}: empty answer"

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        errors = [e for e in pool.map(one, hosts) if e]
    return len(hosts) - len(errors), errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = ap.parse_args(argv)
    reason = samba_skip_reason() or kerberos_skip_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="exready-bench-krb-") as tmp_name:
        tmp = Path(tmp_name)
        ip, lock = reserve_loopback_ip(start=200)
        dc = provision(tmp / "dc", ip, "allow_sasl_over_tls")
        with running(dc) as samba:
            names = [f"KB{i:03d}" for i in range(1, args.hosts + 3)]
            t0 = time.perf_counter()
            join_hosts(dc, [(n, f"{n.lower()}.{DOMAIN}") for n in names], tmp / "keytabs")
            join_s = time.perf_counter() - t0
            os.environ["KRB5_CONFIG"] = str(write_krb5_conf(tmp / "krb5.conf", ip))
            ticket = tmp / "admin.ccache"
            os.environ["KRB5CCNAME"] = f"FILE:{tmp / 'no-default-cache'}"
            kinit(f"Administrator@{DOMAIN.upper()}", dc.password, ticket)
            doc = {
                "name": "kerberos-bench", "seed": 1, "domain": {"dns": DOMAIN, "netbios": "CORP"},
                "credentials": {"username": SIM_USER, "password": SIM_PASSWORD},
                "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
                "baseline": "builtin",
                "ad_sites": [{"name": "HQ", "pattern": "X{n:02d}", "addresses": "127.91.1.0/24", "count": 0}],
                "hosts": [{"name": n, "address": f"127.91.2.{i}"} for i, n in enumerate(names, 1)],
            }
            site = write_site_file(doc, tmp / "site.yaml")
            with SimulatorProcess(site, tmp / "sim", extra_args=("--keytab-dir", str(tmp / "keytabs"))) as sim:
                every = [Host(h.name, fqdn=h.fqdn, address=h.address, port=h.http_port) for h in sim.hosts]
                warm, hosts = every[:2], every[2:]
                modes = {
                    "NTLM (Negotiate, password)": TransportSettings(
                        credentials=Credentials(f"CORP\\{SIM_USER}", Secret(SIM_PASSWORD)),
                        auth=AuthMethod.NEGOTIATE, deadline=60),
                    "Kerberos (ticket cache)": TransportSettings(
                        credentials=Credentials(None, None, ccache=ticket), auth=AuthMethod.KERBEROS, deadline=60),
                }
                me, server, kdc = psutil.Process(), psutil.Process(sim.pid), psutil.Process(samba.pid)
                for settings in modes.values():  # warm-up on hosts outside the measure: imports, first contexts
                    _pass(warm, settings)
                rows: dict[str, list[tuple[float, float, float, float, int]]] = {m: [] for m in modes}
                errors: list[str] = []
                for _ in range(args.rounds):
                    for name, settings in modes.items():
                        c0, s0, k0, t0 = _cpu(me), _cpu(server), _cpu(kdc), time.perf_counter()
                        ok, errs = _pass(hosts, settings)
                        wall = time.perf_counter() - t0
                        rows[name].append((_cpu(me) - c0, _cpu(server) - s0, _cpu(kdc) - k0, wall, ok))
                        errors += errs
                        print(f"{name:28s} ok {ok}/{len(hosts)}  client {1000 * (_cpu(me) - c0) / len(hosts):5.1f} "
                              f"ms/host  wall {wall:5.2f} s", flush=True)
        lock.close()
    total = time.perf_counter() - started
    lines = ["| mode | round | hosts | ok | client CPU ms/host | simulator CPU ms/host | KDC CPU ms/host | "
             "wall s/pass |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    n = len(hosts)
    for name, runs in rows.items():
        for label, chosen in (("1 (Kerberos: service tickets from the KDC)", runs[:1]),
                              (f"2-{len(runs)}, median (Kerberos: tickets in the cache)", runs[1:])):
            if not chosen:
                continue
            lines.append(
                f"| {name} | {label} | {n} x {len(chosen)} | {sum(r[4] for r in chosen)} | "
                f"{statistics.median(1000 * r[0] / n for r in chosen):.1f} | "
                f"{statistics.median(1000 * r[1] / n for r in chosen):.1f} | "
                f"{statistics.median(1000 * r[2] / n for r in chosen):.2f} | "
                f"{statistics.median(r[3] for r in chosen):.2f} |")
    body = "\n".join([
        "## Kerberos beside NTLM (bench/kerberos.py)",
        "",
        f"{len(hosts)} simulated hosts joined to a Samba AD domain (computer account with HTTP/<fqdn>, the key "
        "in a keytab exported from the DC); the simulator in its own process; exready's own session per host "
        f"(connect, authenticate, open a pool, run the collector, close), {CONCURRENCY} at once; the two modes "
        "alternate in each round, same run, same hosts. Kerberos reads a ticket cache filled by kinit: in the "
        "first round each host's service ticket comes from the KDC (one TGS exchange per host, as in a first "
        "sweep); later rounds find it in the cache. CPU is user + system time per process (psutil), divided "
        "by the hosts of a pass; two hosts outside the measure warm both paths up first.",
        "",
        *lines,
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}; pyspnego {metadata.version('pyspnego')}, gssapi {metadata.version('gssapi')}, "
        f"krb5 {metadata.version('krb5')}, MIT krb5 libraries, Samba KDC. Joining the {len(hosts)} hosts (LDAP adds, "
        f"one exportkeytab) took {join_s:.1f} s. Whole run {total:.0f} s. Failures: {len(errors)}"
        + (f" (first: {errors[0]})" if errors else "") + ".",
    ])
    print()
    print(body)
    if not args.no_write:
        write_section("kerberos", body)
        print(f"\nwritten to {RESULTS}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
