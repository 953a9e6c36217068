"""Files that ship inside the package (scanner/samples/): the simulator's sites, the demo's simulated
directory and the example inventories. They are package data, so a wheel or pipx install finds them
beside this module exactly as a source checkout does."""

from __future__ import annotations

from pathlib import Path

from scanner.errors import UsageError

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SITES_DIR = SAMPLES_DIR / "sites"
INVENTORIES_DIR = SAMPLES_DIR / "inventories"
DEMO_SITE = SITES_DIR / "demo.yaml"
DEMO_DIRECTORY = SITES_DIR / "demo-directory.json"


def site_names() -> tuple[str, ...]:
    """The bundled sites' names (their file names without .yaml), sorted."""
    return tuple(sorted(p.stem for p in SITES_DIR.glob("*.yaml")))


def site_file(given: str | Path) -> Path:
    """A site file path as given when it names a file, else the bundled site of that name ("demo",
    "demo.yaml"). A path that is neither is a UsageError that lists the bundled names."""
    path = Path(given)
    if path.is_file():
        return path
    stem = path.name[:-5] if path.name.endswith(".yaml") else path.name
    if path.parent == Path(".") and stem in site_names():
        return SITES_DIR / f"{stem}.yaml"
    raise UsageError(f"{given}: no such site file, and no bundled site of that name "
                     f"(bundled: {', '.join(site_names())})")
