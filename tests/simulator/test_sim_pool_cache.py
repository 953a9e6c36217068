"""The simulator's PSRP pool decodes the messages every session shares once per process and builds its
constant answers once: the bytes it sends must stay exactly psrpcore's, and nothing of one host or
session may reach another."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psrpcore
import pytest
from psrpcore.types import RunspacePoolState

from scanner.simulator import load_site, serverpool
from scanner.simulator.profiles import SimHost
from scanner.simulator.psrp import Shell, application_private_data, remoting, session_capability

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "# exready-collector 1\n$facts = @{}\n" + "# padding line\n" * 200
FRAGMENT = 150_000


def _hosts() -> dict[str, SimHost]:
    site = load_site(ROOT / "scanner" / "samples" / "sites" / "demo.yaml")
    return {h.name: h for h in site.hosts}


def _client(shell_id: uuid.UUID) -> psrpcore.ClientRunspacePool:
    client = psrpcore.ClientRunspacePool(runspace_pool_id=shell_id)
    client.open()
    return client


def _out(pool: psrpcore.ServerRunspacePool) -> list[bytes]:
    out = []
    while (payload := pool.data_to_send(FRAGMENT)) is not None:
        out.append(bytes(payload.data))
    return out


def _serve(
    pool: psrpcore.ServerRunspacePool, shell_id: uuid.UUID, script: str, pipeline_id: uuid.UUID | None = None
) -> tuple[list[bytes], Any]:
    """One session against a server pool: open, one pipeline, completed. Returns every byte the pool
    sent, and the pipeline's commands as the server read them."""
    pool.runspace_pool_id = shell_id  # as Shell seeds it
    client = _client(shell_id)
    sent: list[bytes] = []
    opening = client.data_to_send()
    assert opening is not None
    pool.receive_data(psrpcore.PSRPPayload(opening.data, opening.stream_type, None))
    while pool.next_event() is not None:
        pass
    sent += _out(pool)
    for data in sent:
        client.receive_data(psrpcore.PSRPPayload(data, psrpcore.StreamType.default, None))
        while client.next_event() is not None:
            pass
    assert client.state == RunspacePoolState.Opened
    ps = psrpcore.ClientPowerShell(client, pipeline_id=pipeline_id or uuid.uuid5(shell_id, "pipeline"))
    ps.add_script(script)
    ps.start()
    cached = isinstance(pool, serverpool.CachingServerPool)
    pipe = (serverpool.CachingServerPipeline if cached else psrpcore.ServerPipeline)(pool, ps.pipeline_id)
    create = client.data_to_send()
    assert create is not None
    pool.receive_data(psrpcore.PSRPPayload(create.data, create.stream_type, ps.pipeline_id))
    commands = None
    while (ev := pool.next_event()) is not None:
        if isinstance(ev, psrpcore.CreatePipelineEvent):
            request = pool.pipeline_request(ev) if cached else None
            commands = (pipe.metadata.commands[0].command_text, request)
    pipe.start()
    pipe.write_output("answer")
    pipe.complete()
    sent += _out(pool)
    return sent, commands


def _plain(host: SimHost) -> psrpcore.ServerRunspacePool:
    pool = psrpcore.ServerRunspacePool(application_private_data=application_private_data(host))
    pool.our_capability = session_capability(host)
    return pool


def _cached(host: SimHost) -> serverpool.CachingServerPool:
    r = remoting(host)
    pool = serverpool.CachingServerPool(application_private_data(host), r)
    pool.our_capability = session_capability(host)
    return pool


@pytest.mark.parametrize("name", ["PAR-SRV06", "PAR-SRV01", "PAR-SRV17", "PAR-SRV10"])
def test_cached_pool_sends_psrpcores_bytes(name: str) -> None:
    host = _hosts()[name]
    serverpool.clear_caches()
    shell_id = uuid.uuid4()
    reference, ref_commands = _serve(_plain(host), shell_id, SCRIPT)
    first, commands = _serve(_cached(host), shell_id, SCRIPT)  # fills the caches
    again, commands_again = _serve(_cached(host), shell_id, SCRIPT)  # served from them
    assert first == reference
    assert again == reference
    assert ref_commands is not None and ref_commands[0] == SCRIPT
    assert commands is not None and commands[0] == SCRIPT and commands[1].script == SCRIPT
    assert commands_again == commands


def test_hosts_of_different_versions_keep_their_own_answers() -> None:
    """Interleaved sessions of a PowerShell 2.0, 4.0 and 5.1 host through the shared caches: each
    gets exactly the handshake psrpcore builds for it, and different scripts stay apart."""
    hosts = _hosts()
    serverpool.clear_caches()
    seen: dict[str, list[bytes]] = {}
    for round_ in range(2):
        for name in ("PAR-SRV06", "PAR-SRV01", "PAR-SRV10"):
            host = hosts[name]
            shell_id = uuid.uuid4()
            script = f"{SCRIPT}# {name}\n"
            reference, _ = _serve(_plain(host), shell_id, script)
            got, commands = _serve(_cached(host), shell_id, script)
            assert got == reference, (round_, name)
            assert commands is not None and commands[1].script == script
            seen.setdefault(name, got[:1])
    assert len({tuple(v) for v in seen.values()}) == 3  # three different handshakes


def test_failed_state_with_an_error_record_is_not_cached() -> None:
    """A broken pool's state carries its own error record: never one cached from another host."""
    host = _hosts()["PAR-SRV01"]
    serverpool.clear_caches()
    sent = []
    for i in range(2):
        shell_id = uuid.uuid4()
        shell = Shell(host, str(shell_id).upper(), "uri", "owner", "127.0.0.1", 60.0)
        opening = _client(shell_id).data_to_send()
        assert opening is not None
        shell.open(bytes(opening.data), FRAGMENT, f"broken number {i}")
        sent.append(b"".join(data for _, data in shell.queues[None]))
    assert b"broken number 0" in sent[0] and b"broken number 1" not in sent[0]
    assert b"broken number 1" in sent[1] and b"broken number 0" not in sent[1]


def test_hosts_served_through_the_caches_answer_as_their_own_models(tmp_path: Path) -> None:
    """End to end, in one simulator: hosts of PowerShell 2.0, 3.0, 4.0 and 5.1 and a host with a
    partial_facts fault, each scanned twice in turn by pypsrp; every answer is what that host's own
    model answers (nothing of one reaches another through the process-wide caches)."""
    from pypsrp.powershell import PowerShell, RunspacePool
    from tests_sim_support import wsman_for

    from scanner.probes.collector import build_collector_script, dialect_for
    from scanner.simulator import SimulatorThread
    from scanner.simulator.scripts import PipelineRequest, answer

    site = load_site(ROOT / "scanner" / "samples" / "sites" / "demo.yaml")
    names = ["PAR-SRV06", "PAR-SRV17", "PAR-SRV01", "PAR-SRV10", "PAR-SRV25"]
    serverpool.clear_caches()
    with SimulatorThread(site, tmp_path / "sim") as sim:
        for _ in range(2):
            for name in names:
                host = sim.host(name)
                script = build_collector_script(dialect_for(remoting(host).ps_version))
                expected = answer(host, PipelineRequest(script))
                with wsman_for(sim, host, username=sim.credentials.username,
                               password=sim.credentials.password) as wsman, RunspacePool(wsman) as pool:
                    assert pool.application_private_data is not None
                    table = pool.application_private_data.data["PSVersionTable"]
                    ps = PowerShell(pool)
                    ps.add_script(script)
                    out = ps.invoke()
                assert str(table["PSRemotingProtocolVersion"]) == remoting(host).protocol, name
                assert not ps.had_errors, name
                assert out == list(expected.output), name
