"""Puts the Python package (bindings/python) on sys.path as a user gets it:
the wheel `make python-wheel` builds, installed into build/python/site
(`make python-site`)."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "build" / "python" / "site"

subprocess.run(["make", "-s", "-C", str(REPO), "python-site"], check=True, stdout=subprocess.DEVNULL)
sys.path.insert(0, str(SITE))
