"""Turns include/kafka.h into cffi declarations: the binding's function
table comes from the header, so a new export cannot leave it stale."""
import re

_DEFINE = re.compile(r"^#define\s+(\w+)\s+(-?\d+)\s*$")


def cdef_from_header(text: str) -> str:
    """Keeps the integer #defines and the declarations; drops comments,
    include guards and the C++ wrapper, which cffi's parser rejects."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("//") or not stripped:
            continue
        if stripped.startswith("#"):
            m = _DEFINE.match(stripped)
            if m:
                out.append(f"#define {m.group(1)} {m.group(2)}")
            continue
        if stripped.startswith('extern "C"') or stripped.startswith("}"):
            continue
        out.append(line)
    text = "\n".join(out)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def exported_names(text: str) -> list:
    """The function names the header declares, in order."""
    return re.findall(r"^\w[\w\s\*]*?\b(\w+)\(", cdef_from_header(text), flags=re.M)
