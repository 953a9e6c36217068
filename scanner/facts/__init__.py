"""Facts: the collector's answer parsed into typed values, and their (de)serialisation."""

from scanner.facts.installer import InstallerFacts
from scanner.facts.parse import parse_collector_output
from scanner.facts.serial import FactsDocument, facts_from_json, facts_to_json
from scanner.facts.version import Version

__all__ = [
    "FactsDocument",
    "InstallerFacts",
    "Version",
    "facts_from_json",
    "facts_to_json",
    "parse_collector_output",
]
