"""One exception root for everything exready raises on purpose.

Foreign exceptions (pypsrp, requests, pyspnego, ldap3, sqlite3, the XML parser) are mapped onto this
tree at one seam per layer, always with ``raise ... from``. The CLI turns any ``ExreadyError`` into one
line on stderr and exit code 3; anything else is a bug.

ExreadyError
 +-- UsageError                 bad option value, bad combination of options
 +-- InventoryError             a bad inventory file or line, an empty inventory
 +-- ConfigError                a bad sweep configuration key or value
 +-- CredentialError            no password, unreadable password file, file readable by others
 +-- DirectoryError             Active Directory discovery failed (one line says what to do)
 |    +-- DirectoryUnreachable
 |    +-- DirectoryAuthError
 |    +-- DirectoryQueryError
 +-- FactsError                 saved facts that cannot be read or have an unknown schema
 +-- CatalogError               the rule catalog (rule modules, roles.yaml, out_of_reach.yaml) is inconsistent
 +-- HistoryError               a corrupt or locked history database
 |    +-- HistoryUnavailable     the database server cannot be reached now (a sweep keeps results locally)
 +-- SimulatorError             the fleet simulator could not start (bad site file, address refused)
 +-- ProbeError                 per host, never escapes a sweep: the transport maps it to an outcome
      +-- TransportError
           +-- Unreachable
           +-- AuthFailed
           +-- DeadlineExceeded
           +-- TlsError
           +-- RemoteFault
                +-- AnswerTooLarge  the collector's answer, or one of its facts, is past its size cap
      +-- CollectorError          the collector's answer could not be read
"""

from __future__ import annotations


class ExreadyError(Exception):
    """Root of every error exready raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ExreadyError):
    pass


class InventoryError(ExreadyError):
    pass


class ConfigError(ExreadyError):
    pass


class CredentialError(ExreadyError):
    pass


class DirectoryError(ExreadyError):
    pass


class DirectoryUnreachable(DirectoryError):
    pass


class DirectoryAuthError(DirectoryError):
    pass


class DirectoryQueryError(DirectoryError):
    pass


class FactsError(ExreadyError):
    pass


class CatalogError(ExreadyError):
    pass


class HistoryError(ExreadyError):
    pass


class HistoryUnavailable(HistoryError):
    pass


class SimulatorError(ExreadyError):
    pass


class ProbeError(ExreadyError):
    pass


class TransportError(ProbeError):
    pass


class Unreachable(TransportError):
    pass


class AuthFailed(TransportError):
    pass


class DeadlineExceeded(TransportError):
    pass


class TlsError(TransportError):
    pass


class RemoteFault(TransportError):
    pass


class AnswerTooLarge(RemoteFault):
    pass


class CollectorError(ProbeError):
    pass
