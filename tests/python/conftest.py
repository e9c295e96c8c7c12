"""Puts the Python package (bindings/python) on sys.path as a user gets it:
the wheel `make python-wheel` builds, installed into build/python/site."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "build" / "python" / "site"


def _install():
    subprocess.run(["make", "-s", "-C", str(REPO), "python-wheel"], check=True, stdout=subprocess.DEVNULL)
    wheel = next((REPO / "build" / "python").glob("kafkaso-*.whl"))
    mark = SITE / ".wheel"
    if not mark.exists() or mark.read_text() != f"{wheel.name} {wheel.stat().st_mtime_ns}":
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--upgrade", "--disable-pip-version-check",
                        "--target", str(SITE), str(wheel)], check=True)
        mark.write_text(f"{wheel.name} {wheel.stat().st_mtime_ns}")


_install()
sys.path.insert(0, str(SITE))
