import sys
from pathlib import Path

# The hand-built ScanResults live beside the history tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "history"))
