"""The non-editable install runs the demo: the wheel built from this tree, installed in a fresh virtual
environment, runs ``exready demo`` from an empty folder (the demo site and its directory are package data,
not files of a source checkout).

It builds a wheel and scans the demo's 70 simulated hosts, so it runs under CI=true (where a skip is a failure,
see conftest.py) or with EXREADY_TEST_INSTALL=1, and skips otherwise. The fresh environment takes its
dependencies from the running one through a path (.pth) line, so no dependency is downloaded; the build
backend is downloaded by pip's build isolation unless the running environment already has it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

pytestmark = [pytest.mark.install, pytest.mark.simulator]

ROOT = Path(__file__).resolve().parents[2]
WANTED = os.environ.get("CI", "").lower() == "true" or os.environ.get("EXREADY_TEST_INSTALL") == "1"


def _have_backend() -> bool:
    """setuptools>=68 and wheel in this environment: build without downloading them."""
    try:
        major = int(version("setuptools").split(".")[0])
        version("wheel")
    except (PackageNotFoundError, ValueError):
        return False
    return major >= 68


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["EXREADY_LANG"] = "en"
    return env


def _build_wheel(tmp: Path) -> Path:
    """Build from a copy of the project files, so the tree under test gets no build/ or egg-info."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "scanner", src / "scanner",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    dist = tmp / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q",
           "-w", str(dist), str(src)]
    if _have_backend():
        cmd.insert(4, "--no-build-isolation")
    done = subprocess.run(cmd, capture_output=True, text=True, env=_clean_env(), timeout=600, check=False)
    assert done.returncode == 0, f"pip wheel failed:\n{done.stdout}\n{done.stderr}"
    wheels = list(dist.glob("exready-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _fresh_venv(tmp: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed (no editable install, no source tree on its
    path); its dependencies resolve from this environment's site-packages, appended after its own."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    bindir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / ("python.exe" if sys.platform == "win32" else "python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, env=_clean_env()).stdout.strip()
    # a plain path line: the shared site-packages' own .pth files (an editable exready) are not run
    (Path(purelib) / "shared-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "-q", str(wheel)],
        capture_output=True, text=True, env=_clean_env(), timeout=300, check=False)
    assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"
    return bindir


@pytest.mark.skipif(not WANTED, reason="builds a wheel and scans the demo site: runs under CI=true or "
                                       "EXREADY_TEST_INSTALL=1")
def test_wheel_install_runs_the_demo_from_an_empty_folder(tmp_path: Path) -> None:
    bindir = _fresh_venv(tmp_path, _build_wheel(tmp_path))
    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run([str(bindir / "python"), "-c", "import scanner; print(scanner.__file__)"],
                           cwd=empty, capture_output=True, text=True, env=_clean_env(), check=True).stdout
    assert Path(where.strip()).is_relative_to(tmp_path / "venv"), where  # the wheel's copy, not this tree

    exe = bindir / ("exready.exe" if sys.platform == "win32" else "exready")
    version_line = subprocess.run([str(exe), "--version"], cwd=empty, capture_output=True, text=True,
                                  env=_clean_env(), timeout=60, check=False)
    assert (version_line.returncode, version_line.stdout.strip()) == (0, f"exready {version('exready')}")

    done = subprocess.run([str(exe), "demo", "--no-progress"], cwd=empty, capture_output=True, text=True,
                          env=_clean_env(), timeout=600, check=False)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-3000:]}"
    assert "no such site file" not in done.stderr
    simulated = re.search(r"(\d+) simulated hosts", done.stderr)
    scanned = re.search(r"^(\d+) of (\d+) hosts scanned$", done.stdout, re.MULTILINE)
    assert simulated is not None and scanned is not None, done.stdout[-2000:]
    assert scanned[2] == simulated[1] and int(scanned[1]) > 0
    assert done.stdout.startswith("Host ")  # the matrix
    assert "Summary by role" in done.stdout
    assert "organisation-level findings" in done.stdout  # the packaged demo-directory.json was read
    for name in ("matrix.csv", "scan.json", "findings.csv", "report.html", "matrix-with-directory.csv"):
        assert (empty / "exready-demo" / name).is_file(), name
