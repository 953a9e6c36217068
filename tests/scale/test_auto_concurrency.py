"""What "auto" concurrency stands for: sessions per core, a ceiling, the memory a quarter of the free
memory allows, and the hosts left; lean sessions (a task and a socket each, no thread) get more than
sessions that need a thread. The line said to the user names what decided."""

from __future__ import annotations

from scanner.collect.limits import (
    AUTO_MAX,
    AUTO_MAX_LEAN,
    AUTO_PER_CORE,
    AUTO_PER_CORE_LEAN,
    LEAN_SESSION_BYTES,
    SESSION_BYTES,
    auto_concurrency,
)
from scanner.credentials import Credentials, Secret
from scanner.model.host import AuthMethod, Host
from scanner.transport.lean_session import lean_applies
from scanner.transport.settings import TransportSettings

PLENTY = 64 * 2**30


def test_threaded_sessions_get_so_many_per_core_up_to_a_ceiling() -> None:
    assert auto_concurrency(100_000, PLENTY, cores=2) == (
        2 * AUTO_PER_CORE, f"exready: scanning up to {2 * AUTO_PER_CORE} hosts at once "
        f"(auto: {AUTO_PER_CORE} per CPU core x 2; --concurrency sets it)")
    assert auto_concurrency(100_000, PLENTY, cores=64)[0] == AUTO_MAX


def test_lean_sessions_get_more_per_core_and_a_higher_ceiling() -> None:
    chosen, why = auto_concurrency(100_000, PLENTY, cores=2, lean=True)
    assert chosen == 2 * AUTO_PER_CORE_LEAN > 2 * AUTO_PER_CORE
    assert f"{AUTO_PER_CORE_LEAN} per CPU core x 2" in why
    assert auto_concurrency(100_000, PLENTY, cores=64, lean=True)[0] == AUTO_MAX_LEAN


def test_memory_and_the_hosts_left_bound_the_choice() -> None:
    free = 400 * LEAN_SESSION_BYTES  # a quarter of it holds 100 lean sessions
    chosen, why = auto_concurrency(100_000, free, cores=8, lean=True)
    assert chosen == 100 and "a quarter of the" in why
    assert auto_concurrency(100_000, free, cores=8)[0] == max(1, free // 4 // SESSION_BYTES)
    chosen, why = auto_concurrency(37, PLENTY, cores=8, lean=True)
    assert chosen == 37 and "37 hosts to scan" in why


def test_which_sessions_are_lean() -> None:
    host = Host(name="ex01", address="127.0.0.1")
    password = TransportSettings(credentials=Credentials("svc", Secret("pw")))
    assert lean_applies(host, password)
    assert not lean_applies(host, TransportSettings(credentials=Credentials("svc", Secret("pw")),
                                                    auth=AuthMethod.KERBEROS))
    assert not lean_applies(host, TransportSettings(credentials=Credentials("svc", Secret("pw")),
                                                    transport="pypsrp"))
