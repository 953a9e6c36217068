"""NetExec (nxc) as a benchmark peer: set it up from its source outside the project, run its ``winrm``
module with the collector script on simulated hosts, and read what it reports per host.

NetExec is not on PyPI. Set-up, once (bench/slow_sweep.py --setup-netexec does the same):

    python bench/netexec.py setup SOURCE DEST

SOURCE is a checkout of https://github.com/Pennyw0rth/NetExec or its git directory (exported with
``git archive HEAD``); DEST gets ``src/`` (the exported tree), ``venv/`` (a virtual environment with
NetExec's dependencies from PyPI: its three git dependencies, certipy-ad, impacket and pynfsclient, are
taken from their PyPI releases) and ``venv/bin/nxc``. Nothing goes into the project or its venv.

What ``nxc winrm`` does per target (nxc/protocols/winrm.py at the measured commit): one POST of an NTLM
NEGOTIATE to /wsman to read the host's NTLM challenge (name, domain, OS), a new pypsrp ``Client`` (NTLM,
message encryption over HTTP), a WS-Man Enumerate of the shell resource to learn whether the account
is an administrator (a fault there fails the logon), then ``-X`` runs the script through
``Client.execute_ps`` (a runspace pool, ``Invoke-Expression`` piped to ``Out-String -Stream``), and it
prints every output line. Targets come from a file (one address per line); the port is one for all
targets (``--port``), so every simulated host needs its own loopback address on the same port
(the simulator's address mode ``address``). ``-t`` is its thread count (default 256), one thread per
target in flight. It never touches SMB (port 445) for winrm. nxc takes the domain from the challenge
(MsvAvDnsDomainName: the simulator's challenge names each host's domain as Windows does) and logs on as
``contoso.test\\user``, so no ``-d`` is given. When the domain it logs on to is the one the challenge
names, nxc looks the domain's name up in DNS for a KDC, once per target, through the system's resolver,
which would leave loopback; ``--kdcHost`` names one instead (used by Kerberos logons only, never with
NTLM), so it does not. The simulator answers the Enumerate (it lists the caller's open shells).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Measurement, measure, secret_file  # noqa: E402

from scanner.simulator import Credentials, SimHost  # noqa: E402

HOW_TO_INSTALL = ("not installed: fetch https://github.com/Pennyw0rth/NetExec, then "
                  "`python bench/netexec.py setup <checkout or git dir> /work/bench-tools/netexec` "
                  "and pass `--netexec /work/bench-tools/netexec`")
# named as the domain's KDC so that nxc does not look one up in DNS (see the module's docstring)
KDC_HOST = "127.0.0.1"
# NetExec's git dependencies, and the PyPI release taken for each
GIT_DEPENDENCIES = {"certipy-ad": "certipy-ad", "impacket": "impacket", "pynfsclient": "pynfsclient"}


def find_nxc(path: Path | None) -> Path | None:
    """The ``nxc`` executable at ``path``: the executable itself, a set-up directory (venv/bin/nxc) or a
    venv (bin/nxc)."""
    if path is None:
        return None
    for candidate in (path, path / "venv" / "bin" / "nxc", path / "bin" / "nxc"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], check=True, capture_output=True, text=True,
                          timeout=300).stdout.strip()


def setup(source: Path, dest: Path) -> Path:
    """Export NetExec's tree from ``source`` into ``dest/src``, make ``dest/venv`` and install it there."""
    dest.mkdir(parents=True, exist_ok=True)
    src = dest / "src"
    git_dir = source / ".git" if (source / ".git").exists() else source if (source / "HEAD").exists() else None
    version = "0.0.0"
    if git_dir is not None:
        commit = _git(git_dir, "rev-parse", "HEAD")
        described = _git(git_dir, "describe", "--tags", "--long")  # v1.5.1-622-gc005376d
        m = re.fullmatch(r"v?(\d+\.\d+\.\d+)-(\d+)-g([0-9a-f]+)", described)
        version = f"{m.group(1)}+{m.group(2)}.{m.group(3)}" if m else f"0.0.0+{commit[:8]}"
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir()
        archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", "HEAD"], check=True,
                                 capture_output=True, timeout=300).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True, timeout=300)
        (dest / "COMMIT").write_text(f"{commit} {described}\n", encoding="utf-8")
    elif (source / "pyproject.toml").exists():
        if source.resolve() != src.resolve():
            shutil.rmtree(src, ignore_errors=True)
            shutil.copytree(source, src)
    else:
        raise SystemExit(f"{source}: neither a NetExec checkout nor its git directory")
    project = tomllib.loads((src / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = []
    for dep in project["dependencies"]:
        name = dep.split(" @ ")[0].strip()
        deps.append(GIT_DEPENDENCIES.get(name, name) if " @ " in dep else dep.replace(" (", "").replace(")", ""))
    venv = dest / "venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, *deps], check=True, timeout=1800)
    # its build backend takes the version from git, which the exported tree has not: give it
    env = {**os.environ, "POETRY_DYNAMIC_VERSIONING_BYPASS": version}
    subprocess.run([*pip, "--no-deps", str(src)], check=True, timeout=900, env=env)
    nxc = venv / "bin" / "nxc"
    print(f"NetExec {version} installed: {nxc}")
    return nxc


def version(nxc: Path) -> str:
    out = subprocess.run([str(nxc.parent / "python"), "-c",
                          "import importlib.metadata as m; print(m.version('netexec'), m.version('pypsrp'))"],
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    return f"NetExec {out[0]} (pypsrp {out[1]})"


_LINE = re.compile(r"^WINRM\S*\s+(\S+)\s+(\d+)\s+\S+\s+(.*)$")


def parse_output(text: str) -> dict[str, dict[str, bool]]:
    """Per target address, what nxc printed: logged on ([+] ... user:password), ran the command
    ([+] Executed command), and whether the collector's answer came back."""
    seen: dict[str, dict[str, bool]] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        state = seen.setdefault(m.group(1), {"logon": False, "executed": False, "answer": False, "failed": False})
        rest = m.group(3)
        if rest.startswith("[+] Executed command"):
            state["executed"] = True
        elif rest.startswith("[+]"):
            state["logon"] = True
        elif rest.startswith("[-]"):
            state["failed"] = True
        elif '"exready_collector"' in rest:
            state["answer"] = True
    return seen


def run(nxc: Path, hosts: Sequence[SimHost], credentials: Credentials, server_pids: Sequence[int],
        threads: int, script: str, out: Path, timeout: float) -> tuple[Measurement, dict[str, Any]]:
    """``nxc winrm TARGETS --port P --check-proto http -u USER -p PASSWORD_FILE --kdcHost 127.0.0.1 -t THREADS
    -X SCRIPT``
    on ``hosts``; the measurement and the hosts by what nxc reported."""
    ports = {h.http_port for h in hosts}
    if len(ports) != 1 or None in ports:
        raise ValueError("NetExec takes one port for every target: the hosts need their own addresses on one "
                         "HTTP port (simulator address mode 'address')")
    out.mkdir(parents=True, exist_ok=True)
    targets = out / "targets.txt"
    targets.write_text("".join(f"{h.address}\n" for h in hosts), encoding="utf-8")
    home = out / "nxc-home"
    home.mkdir(exist_ok=True)
    env: Mapping[str, str] = {**os.environ, "NXC_PATH": str(home / ".nxc"), "HOME": str(home)}
    with secret_file(out / "password.txt", credentials.password + "\n") as pw:
        # its first run writes its configuration and workspace databases: not part of the measure
        subprocess.run([str(nxc), "winrm", "127.0.0.1", "--port", "9", "--check-proto", "http", "-u", "x",
                        "-p", "x", "--http-timeout", "1"], env=dict(env), capture_output=True, timeout=120,
                       check=False)
        cmd = [str(nxc), "winrm", str(targets), "--port", str(ports.pop()), "--check-proto", "http",
               "-u", credentials.username, "-p", str(pw), "--kdcHost", KDC_HOST, "--no-progress", "-t", str(threads),
               "-X", script]
        m = measure(cmd, env=env, out=out, timeout=timeout, server_pids=server_pids, cwd=out)
    per_host = parse_output(m.stdout.read_text(encoding="utf-8", errors="replace"))
    kinds: Counter[str] = Counter()
    for h in hosts:
        s = per_host.get(h.address)
        kinds["answer" if s and s["answer"] else "executed, no answer" if s and s["executed"]
              else "logon only" if s and s["logon"] else "failed" if s else "nothing printed"] += 1
    return m, {"outcomes": dict(kinds), "successes": kinds["answer"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup", help="install NetExec from its source into DEST (src/, venv/)")
    s.add_argument("source", type=Path)
    s.add_argument("dest", type=Path)
    a = ap.parse_args()
    if a.command == "setup":
        setup(a.source, a.dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
