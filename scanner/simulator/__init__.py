"""The fleet simulator: simulated Windows hosts behind a real WS-Management + PowerShell Remoting
listener on loopback, which the unmodified pypsrp client talks to.

Layers, one module each: ``http`` (connection loop), ``auth`` (Basic, Negotiate/NTLM), ``crypto``
(message encryption), ``wsman`` (envelopes, dispatch, faults), ``psrp`` (runspace pools and
pipelines), ``scripts`` (what a host answers), ``profiles`` (site files), ``faults``, ``endpoint``
(one host at run time), ``server`` (listeners and lifecycle), ``runner`` (thread and subprocess).
"""

from __future__ import annotations

from scanner.simulator.faults import KINDS as FAULT_KINDS
from scanner.simulator.faults import FaultSpec
from scanner.simulator.profiles import (
    Credentials,
    FactValue,
    SimHost,
    Site,
    build_site,
    generate_site_document,
    load_site,
    write_inventory_csv,
    write_site_file,
)
from scanner.simulator.runner import SimulatorProcess, SimulatorThread
from scanner.simulator.server import FleetServer
from scanner.simulator.stats import HostStats, SimStats

__all__ = [
    "FAULT_KINDS",
    "Credentials",
    "FactValue",
    "FaultSpec",
    "FleetServer",
    "HostStats",
    "SimHost",
    "SimStats",
    "Site",
    "SimulatorProcess",
    "SimulatorThread",
    "build_site",
    "generate_site_document",
    "load_site",
    "write_inventory_csv",
    "write_site_file",
]
