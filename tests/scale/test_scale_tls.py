"""One TLS context per sweep: the CA bundle is loaded once, not per HTTPS connection, and
verification still holds (a certificate for another name fails; an untrusted CA fails)."""

from __future__ import annotations

import ssl
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from scale_support import request_for, run, site_document

from scanner.model.outcome import OutcomeKind
from scanner.simulator import SimulatorThread, build_site

pytestmark = pytest.mark.simulator


def https_site() -> Any:
    extra = [{"name": f"TLS{i:02d}", "ad_site": "Paris", "address": f"127.60.3.{i}", "schemes": ["https"],
              "auth": ["basic"]} for i in range(1, 9)]
    extra.append({"name": "TLSBAD", "ad_site": "Paris", "address": "127.60.3.100", "schemes": ["https"],
                  "auth": ["basic"], "fault": "tls_name_mismatch"})
    return build_site(site_document(healthy=0, prefix="127.60", faults=False, extra_hosts=extra))


def test_the_ca_bundle_is_loaded_once_for_all_https_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        real(self, *args, **kwargs)

    with SimulatorThread(https_site(), tmp_path / "sim") as sim:
        monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
        result, _ = run(request_for(sim, tmp_path / "inventory.csv", concurrency=4))
    kinds = {o.host.name: o.kind for o in result.outcomes}
    assert kinds.pop("TLSBAD") is OutcomeKind.TLS_ERROR  # the name is still checked
    assert set(kinds.values()) == {OutcomeKind.OK} and len(kinds) == 8
    assert len(loads) == 1  # stock requests/urllib3 would load it for every connection


def test_an_untrusted_ca_still_fails_every_https_host(tmp_path: Path) -> None:
    with SimulatorThread(https_site(), tmp_path / "sim") as sim:
        request = request_for(sim, tmp_path / "inventory.csv", concurrency=4)
        # the system store does not know the simulator's CA
        request = replace(request, transport=replace(request.transport, ca_file=None))
        result, _ = run(request)
    assert {o.kind for o in result.outcomes} == {OutcomeKind.TLS_ERROR}
