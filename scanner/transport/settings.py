"""Transport settings for a sweep; per-host overrides come from the inventory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scanner.credentials import Credentials
from scanner.errors import UsageError
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.transport.names import check_tls_name_pattern

TRANSPORTS = ("lean", "pypsrp")


@dataclass(frozen=True, slots=True)
class TransportSettings:
    credentials: Credentials = field(repr=False)
    scheme: Scheme = Scheme.HTTP
    auth: AuthMethod = AuthMethod.NEGOTIATE
    ca_file: Path | None = None  # verify HTTPS against this bundle instead of the system store
    verify_tls: bool = True  # False only through --insecure-skip-tls-verify
    # --tls-name: the name (or '{name}.corp.example'-style pattern) to verify in HTTPS certificates instead
    # of each host's FQDN; the inventory's tls_name column wins for its host (see transport.names)
    tls_name: str | None = None
    connection_timeout: float = 10.0
    read_timeout: float = 30.0  # one socket read; keep it above operation_timeout
    operation_timeout: int = 20  # WS-Man OperationTimeout for each long-poll Receive
    deadline: float = 120.0  # wall-clock bound for one host, from connect to close
    http_path: str = "wsman"
    # the PowerShell session configuration (endpoint) to open: a constrained/JEA endpoint's name, or the
    # default full one (https://learn.microsoft.com/en-us/powershell/scripting/learn/remoting/jea/overview)
    configuration_name: str = "Microsoft.PowerShell"
    # how a session holds its WS-Man/PSRP conversation: "lean" (asyncio, scanner.transport.lean_session;
    # NTLM, Negotiate without a Kerberos credential, Basic) or "pypsrp" (a thread per host); Kerberos
    # and CredSSP always go through pypsrp
    transport: str = "lean"

    def __post_init__(self) -> None:
        if self.read_timeout <= self.operation_timeout:
            raise UsageError(
                f"the read timeout ({self.read_timeout:g} s) must be longer than the operation timeout "
                f"({self.operation_timeout} s), or every long-poll would end in a read timeout")
        if self.deadline <= 0:
            raise UsageError("the per-host deadline must be positive")
        if self.tls_name is not None:
            check_tls_name_pattern(self.tls_name)
        if self.transport not in TRANSPORTS:
            raise UsageError(f"--transport {self.transport!r}: expected one of {', '.join(TRANSPORTS)}")
        name = self.configuration_name
        if not name or any(c.isspace() or c in "/\\?#&<>\"'" for c in name):
            raise UsageError(f"--configuration-name {name!r}: expected a session configuration name such as "
                             "Microsoft.PowerShell (no spaces, slashes or quotes)")

    def endpoint(self, host: Host) -> tuple[Scheme, AuthMethod, int]:
        scheme = host.scheme or self.scheme
        auth = host.auth or self.auth
        if auth is AuthMethod.BASIC and scheme is not Scheme.HTTPS:
            raise UsageError(f"{host.name}: Basic authentication is only allowed over HTTPS")
        port = host.port or (5986 if scheme is Scheme.HTTPS else 5985)
        return scheme, auth, port
