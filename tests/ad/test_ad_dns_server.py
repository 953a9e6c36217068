"""--ad-dns-server: discovery asks a named DNS server (dnspython) for the computers' addresses, within the
--ad-deadline; and a lookup that never ends does not keep the process alive. No Samba here: a tiny DNS
responder on loopback, and the mock directory of test_ad_units."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from test_ad_units import computer, mock_directory
from typer.testing import CliRunner

from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.directory.connection import Deadline
from scanner.directory.discovery import discover
from scanner.directory.settings import DiscoverySettings
from scanner.directory.sites import SITE_NOT_RESOLVED, DnsServer, parse_dns_server, resolve_names
from scanner.errors import ConfigError, UsageError
from scanner.sweep.config import load_config

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def dns_responder(records: Mapping[str, str], answer: bool = True) -> Iterator[tuple[DnsServer, list[str]]]:
    """A UDP DNS server on 127.0.0.1 (a free port) answering A queries from ``records`` (NXDOMAIN for any
    other name), or never answering; yields the server and the names it was asked."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    asked: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            name = query.question[0].name.to_text()
            asked.append(name)
            if not answer:
                continue
            reply = dns.message.make_response(query)
            address = records.get(name.rstrip(".").lower())
            if address is not None and query.question[0].rdtype == dns.rdatatype.A:
                reply.answer.append(dns.rrset.from_text(name, 60, "IN", "A", address))
            else:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield DnsServer("127.0.0.1", sock.getsockname()[1]), asked
    finally:
        stop.set()
        thread.join(5)
        sock.close()


RECORDS = {"ex01.corp.test": "10.1.5.7", "ex02.corp.test": "10.1.9.9"}


def test_named_server_resolves_and_unknown_names_stay_unresolved() -> None:
    with dns_responder(RECORDS) as (server, asked):
        got = resolve_names(["ex01.corp.test", "ex02.corp.test", "nosuch.corp.test"], 2.0, servers=(server,))
    assert got == {"ex01.corp.test": "10.1.5.7", "ex02.corp.test": "10.1.9.9", "nosuch.corp.test": None}
    # the FQDN as given, absolute: no search-list suffixes tried
    assert sorted(set(asked)) == ["ex01.corp.test.", "ex02.corp.test.", "nosuch.corp.test."]


def test_discovery_places_hosts_with_addresses_from_the_named_server() -> None:
    directory = mock_directory([computer("EX01"), computer("EX02"), computer("EX03")])
    with dns_responder(RECORDS) as (server, _):
        result = discover(directory, DiscoverySettings(dns_servers=(server,)))
    assert {h.name: h.site for h in result.hosts} == {"EX01": "Paris-Lab", "EX02": "Paris", "EX03": None}
    assert result.site_notes == {"EX03": SITE_NOT_RESOLVED}


def test_a_server_that_never_answers_ends_with_the_deadline_and_names_unresolved() -> None:
    directory = mock_directory([computer("EX01"), computer("EX02")])
    directory.deadline = Deadline(1.0)
    with dns_responder(RECORDS, answer=False) as (server, asked):
        # the per-name timeout alone would allow 30 s: only the deadline can end this
        result = discover(directory, DiscoverySettings(dns_servers=(server,), dns_timeout=30.0))
    assert {h.name: h.site for h in result.hosts} == {"EX01": None, "EX02": None}
    assert result.site_notes == {"EX01": SITE_NOT_RESOLVED, "EX02": SITE_NOT_RESOLVED}
    assert asked  # the named server was asked, and nothing else answered in its place


def test_a_stuck_system_lookup_does_not_hold_the_process_at_exit() -> None:
    # getaddrinfo made to hang for a minute: resolve_names gives up after its timeout, and the process
    # then exits without waiting for the stuck lookup (it used to be joined at interpreter exit)
    script = textwrap.dedent(
        """
        import socket, time
        def stuck(*args, **kwargs):
            time.sleep(60)
            raise socket.gaierror("late")
        socket.getaddrinfo = stuck
        from scanner.directory.sites import resolve_names
        print(resolve_names(["a.test", "b.test"], 0.2, budget=0.5), flush=True)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30,
                          env={"PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'a.test': None, 'b.test': None}"


@pytest.mark.parametrize(
    ("text", "server"),
    [
        ("10.0.0.53", DnsServer("10.0.0.53", 53)),
        ("127.0.0.1:5353", DnsServer("127.0.0.1", 5353)),
        ("::1", DnsServer("::1", 53)),
        ("[::1]:5300", DnsServer("::1", 5300)),
        (" [fe80::1] ", DnsServer("fe80::1", 53)),
    ],
)
def test_dns_server_values(text: str, server: DnsServer) -> None:
    assert parse_dns_server(text) == server


@pytest.mark.parametrize("text", ["dns.corp.test", "10.0.0.300", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:70000",
                                  "10.0.0.1:dns", "[::1", "[::1]x", "", "1.2.3.4:53:53"])
def test_bad_dns_server_values(text: str) -> None:
    with pytest.raises(UsageError, match="--ad-dns-server"):
        parse_dns_server(text)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--ad-dns-server", "dns.corp.test"], "expected an IP address"),
        (["--ad-dns-server", "127.0.0.1:99999"], "port must be a number"),
        (["--ad-dns-server", "127.0.0.1", "--no-dns"], "contradict"),
    ],
)
@pytest.mark.parametrize("command", ["inventory", "scan"])
def test_cli_rejects_bad_dns_servers_in_one_line(command: str, args: list[str], text: str) -> None:
    base = [command, "--ad", "dc1", "--ad-user", "u"]
    result = CliRunner().invoke(build_app(), base + args, env={"EXREADY_AD_PASSWORD": "p"})
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert text in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


AD_CONFIG = '[inventory]\nad = "ldaps://dc1.corp.test"\nad_user = "svc@corp.test"\n'


def test_sweep_config_reads_dns_servers(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(AD_CONFIG + 'ad_dns_server = ["127.0.0.1:5353", "::1"]\n', encoding="utf-8")
    ad = load_config(path).ad
    assert ad is not None and ad.dns_server == ("127.0.0.1:5353", "::1")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('ad_dns_server = "dns.corp.test"', "ad_dns_server 'dns.corp.test': expected an IP address"),
        ('ad_dns_server = ["10.0.0.1"]\nno_dns = true', "contradict"),
    ],
)
def test_sweep_config_rejects_bad_dns_servers(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "site.toml"
    path.write_text(AD_CONFIG + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
