"""Builds kafkaso: the cffi extension kafkaso._kafka, declared from
include/kafka.h and linked to kafka.so, which is copied into the package
under its soname so the extension finds it beside itself ($ORIGIN).

KAFKASO_LIBRARY and KAFKASO_HEADER name another kafka.so and kafka.h; by
default they are this repository's build/kafka.so (made with `make lib`
when missing) and include/kafka.h."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cffi
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from _cdef import cdef_from_header  # noqa: E402

HEADER = Path(os.environ.get("KAFKASO_HEADER") or REPO / "include" / "kafka.h")
LIBRARY = Path(os.environ.get("KAFKASO_LIBRARY") or REPO / "build" / "kafka.so")
if not LIBRARY.exists() and (REPO / "Makefile").exists() and not os.environ.get("KAFKASO_LIBRARY"):
    subprocess.check_call(["make", "-C", str(REPO), "lib"])


def soname(path: Path) -> str:
    """The name the extension's DT_NEEDED will carry."""
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "(SONAME)" in line:
            return line.split("[", 1)[1].rstrip("]")
    return path.name


ffibuilder = cffi.FFI()
ffibuilder.cdef(cdef_from_header(HEADER.read_text()))
ffibuilder.set_source(
    "kafkaso._kafka",
    '#include "kafka.h"',
    include_dirs=[str(HEADER.parent)],
    library_dirs=[str(LIBRARY.parent)],
    libraries=[":" + LIBRARY.name],
    extra_link_args=["-Wl,-rpath,$ORIGIN"],
)


class BuildPy(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "kafkaso" / soname(LIBRARY)
        shutil.copyfile(LIBRARY, target)
        target.chmod(0o755)
        # build/kafka.so keeps its debug info (60 MB); the package needs none.
        if shutil.which("strip"):
            subprocess.check_call(["strip", "--strip-unneeded", str(target)])


if __name__ == "__main__":
    from setuptools import Extension
    # Message, its batch builder and produce's fast path, in plain C;
    # kafka.h checks the one library call it makes (Produce).
    messages = Extension("kafkaso._messages", ["src/kafkaso/_messages.c"], extra_compile_args=["-O2"],
                         include_dirs=[str(HEADER.parent)], library_dirs=[str(LIBRARY.parent)],
                         libraries=[":" + LIBRARY.name], extra_link_args=["-Wl,-rpath,$ORIGIN"])
    setup(cmdclass={"build_py": BuildPy},
          ext_modules=[ffibuilder.distutils_extension(tmpdir=str(HERE / "build" / "cffi")), messages])
