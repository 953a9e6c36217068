"""Reading a password from a file, accepted only when no one but its owner can read it.

POSIX: the file must give no permission at all to group or others (mode 600 or 400) and belong to
the account running the sweep (or to root). Windows has no mode bits: the file is accepted, and the
README tells how to restrict its ACL (icacls) to the account that runs the scheduled task.
The password never appears in an error message; only the path and the mode do.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from scanner.credentials import Secret
from scanner.errors import CredentialError


def check_private(path: Path) -> None:
    """Raise CredentialError unless ``path`` is a regular file that only its owner can read."""
    try:
        st = path.stat()
    except OSError as exc:
        raise CredentialError(f"cannot read the password file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise CredentialError(f"the password file {path} is not a regular file")
    if sys.platform == "win32":
        return
    loose = st.st_mode & 0o077
    if loose:
        raise CredentialError(
            f"the password file {path} is open to other users (mode {stat.S_IMODE(st.st_mode):03o}); "
            f"only its owner may read it: chmod 600 {path}"
        )
    getuid = getattr(os, "getuid", None)
    if getuid is not None and st.st_uid not in (getuid(), 0):
        raise CredentialError(
            f"the password file {path} belongs to another account (uid {st.st_uid}); "
            "it must belong to the account that runs the sweep"
        )


def read_password_file(path: Path) -> Secret:
    """The first line of the file, without its line end (a trailing newline from an editor is fine)."""
    check_private(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CredentialError(f"cannot read the password file {path}: {detail}") from None
    password = text.split("\n", 1)[0].rstrip("\r")
    if not password:
        raise CredentialError(f"the password file {path} is empty")
    return Secret(password)
