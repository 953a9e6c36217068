"""Credentials for the WinRM sweep. The password is wrapped so it never shows in a repr, a log line,
a report or a traceback's locals; it is read from an environment variable or a prompt, never from
the command line."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field

from scanner.errors import CredentialError

PASSWORD_ENV = "EXREADY_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Secret:
    """A string that refuses to be printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:  # no pickling into a worker's log by accident
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str | None  # None: use the Kerberos ticket cache
    password: Secret | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """What may be shown: the account name, never the password."""
        return self.username or "(Kerberos ticket cache)"


def resolve_credentials(username: str | None, env_var: str = PASSWORD_ENV, prompt: bool = True) -> Credentials:
    """Username from the caller; password from ``env_var`` or, on a terminal, from a prompt."""
    if username is None:
        return Credentials(None, None)
    value = os.environ.get(env_var)
    if value:
        return Credentials(username, Secret(value))
    if prompt and sys.stdin is not None and sys.stdin.isatty():
        try:
            typed = getpass.getpass(f"Password for {username}: ")
        except EOFError:
            raise CredentialError("no password given") from None
        # Ctrl-C at the prompt stays a KeyboardInterrupt: the command line exits 130, as documented
        if typed:
            return Credentials(username, Secret(typed))
    raise CredentialError(
        f"no password for {username}: set the environment variable {env_var} "
        "(or run on a terminal to be prompted)")
