"""A test-only caller that calls kafka.so exactly as Dyalog APL's ⎕NA does.

No APL interpreter can run here, so this module stands in for `⎕NA`: it
reads the library's own `Describe` answer and, for each pattern, marshals
arguments the way `⎕NA` does.

- `<0T1`  a NUL-terminated copy of the argument (characters 0-255).
- `>0T1`  an output char buffer of argument-many bytes; the result is read up
          to the first NUL.
- `>T1[]` an output char array of argument-many bytes, returned whole.
- `=I4` `=U4`  in/out integers: the argument in, the new value out.
- `<I4`   a pointer to an input integer.
- `<I4[]` `<I8[]`  a pointer to a copy of a numeric vector (a scalar is
          taken as a one-element vector); values must be whole and fit.
- `<T1[]` a pointer to a copy of a character vector (characters 0-255),
          no NUL added: its length goes in another argument.
- `>P` `>I4` `>I8` `>U8`  output scalars (the argument is a placeholder).
- `>I4[]` `>I8[]` `>U8[]`  output arrays of argument-many elements.
- `P` `I4` `U4` `I8` `U8`  plain values.

The result is what APL gets: the return code alone when the pattern has no
`>`/`=` argument, else a list of the return code followed by every `>`/`=`
argument in order.

Every output buffer is followed by guard bytes that are checked after the
call, so a library that writes past the capacity it was given fails the
call with `OverrunError` instead of corrupting memory silently. Input arrays
carry guard bytes too, and must come back unchanged (they are const in C).

`NULL` is not something ⎕NA can pass through these types: it exists so that
tests can check the C contract (a NULL buffer) through the same patterns.
"""

import ctypes
import json
import re
from dataclasses import dataclass

#: The pattern Dyalog's loader declares before it knows anything else.
DESCRIBE_PATTERN = "I4 %P|Describe >0T1 =I4"

#: The first Describe buffer: what loaders written for the original pass.
FIRST_DESCRIBE_SIZE = 1024

_SCALARS = {
    "I4": ctypes.c_int32,
    "U4": ctypes.c_uint32,
    "I8": ctypes.c_int64,
    "U8": ctypes.c_uint64,
    "P": ctypes.c_void_p,
}

_GUARD = b"\xa5" * 16


class _Null:
    def __repr__(self):
        return "NULL"


#: A null pointer for any pointer argument (tests of the C contract only).
NULL = _Null()

#: Ranges of the integer types, for APL's DOMAIN ERROR on values that do not fit.
_RANGES = {"I4": (-(2**31), 2**31 - 1), "U4": (0, 2**32 - 1), "I8": (-(2**63), 2**63 - 1), "U8": (0, 2**64 - 1)}


class LengthError(Exception):
    """The argument count does not match the pattern (APL's LENGTH ERROR)."""


class DomainError(Exception):
    """An argument cannot be converted to its declared type (DOMAIN ERROR)."""


class OverrunError(Exception):
    """The library wrote past the end of an output buffer."""


@dataclass(frozen=True)
class Arg:
    """One argument of a ⎕NA pattern, e.g. `>0T1`, `=U4`, `>U8[]`, `P`."""

    direction: str  # '' plain, '<' input pointer, '>' output, '=' in/out
    type: str  # 0T1 T1 I4 U4 I8 U8 P
    array: bool  # declared with []

    @classmethod
    def parse(cls, token):
        m = re.fullmatch(r"([<>=]?)(0T1|T1|I4|U4|I8|U8|P)(\[\])?", token)
        if not m:
            raise ValueError(f"unsupported ⎕NA argument type {token!r}")
        return cls(m.group(1), m.group(2), bool(m.group(3)))

    @property
    def is_output(self):
        return self.direction in (">", "=")

    def __str__(self):
        return f"{self.direction}{self.type}{'[]' if self.array else ''}"


@dataclass(frozen=True)
class Pattern:
    """A ⎕NA pattern `I4 LIB|Name args…`."""

    text: str
    result: str
    library: str
    name: str
    args: tuple

    @classmethod
    def parse(cls, text):
        m = re.fullmatch(r"(\S+) ([^|]*)\|(\w+)((?: \S+)*)", text)
        if not m:
            raise ValueError(f"not a ⎕NA pattern: {text!r}")
        args = tuple(Arg.parse(t) for t in m.group(4).split())
        return cls(text, m.group(1), m.group(2), m.group(3), args)

    def legacy(self, pointer_type):
        """The pattern as loaders rewrite it for interpreters older than 17.0:
        every pointer argument (`P`, `>P`, ...) becomes `pointer_type`."""
        args = tuple(Arg(a.direction, pointer_type, a.array) if a.type == "P" else a for a in self.args)
        text = f"{self.result} {self.library}|{self.name}" + "".join(f" {a}" for a in args)
        return Pattern(text, self.result, self.library, self.name, args)


def _chars(value, what):
    """APL characters 0-255 (T1) as bytes."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            raise DomainError(f"{what}: characters above 255 do not fit T1") from None
    raise DomainError(f"{what}: expected characters, got {value!r}")


def _integers(value, type_, what):
    """An APL numeric vector (or scalar) as a list of whole numbers that fit
    type_; anything else is APL's DOMAIN ERROR."""
    items = list(value) if isinstance(value, (list, tuple, range)) else [value]
    low, high = _RANGES[type_]
    out = []
    for v in items:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int):
            raise DomainError(f"{what}: expected whole numbers, got {value!r}")
        if not low <= v <= high:
            raise DomainError(f"{what}: {v} does not fit {type_}")
        out.append(v)
    return out


def _count(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError(f"{what}: expected a non-negative element count, got {value!r}")
    return value


class _Output:
    """An output buffer with guard bytes after it."""

    def __init__(self, ctype, count):
        self.ctype, self.count = ctype, count
        size = ctypes.sizeof(ctype) * count
        self.raw = ctypes.create_string_buffer(size + len(_GUARD))
        ctypes.memmove(ctypes.addressof(self.raw) + size, _GUARD, len(_GUARD))
        self.size = size

    @property
    def pointer(self):
        return ctypes.cast(self.raw, ctypes.c_void_p)

    def check(self, where):
        if self.raw.raw[self.size:] != _GUARD:
            raise OverrunError(f"{where}: the library wrote past the {self.size}-byte buffer it was given")

    def bytes(self):
        return self.raw.raw[: self.size]

    def values(self):
        array = (self.ctype * self.count).from_buffer(self.raw)
        return [v for v in array]


class Function:
    """A ⎕NA'd function: call it with one argument per pattern argument."""

    def __init__(self, cdll, pattern):
        self.pattern = pattern
        self.c = getattr(cdll, pattern.name)
        self.c.restype = _SCALARS[pattern.result]
        self.c.argtypes = [
            _SCALARS[a.type] if a.direction == "" else ctypes.c_void_p for a in pattern.args
        ]

    def __repr__(self):
        return f"<⎕NA {self.pattern.text}>"

    def __call__(self, *values):
        p = self.pattern
        if len(values) != len(p.args):
            raise LengthError(f"{p.name} takes {len(p.args)} arguments ({p.text}), got {len(values)}")
        c_args, keep, outputs, inputs = [], [], [], []
        for i, (arg, value) in enumerate(zip(p.args, values)):
            what = f"{p.name} argument {i + 1} ({arg})"
            if arg.direction == "":
                c_args.append(value)
            elif value is NULL:
                if arg.is_output:
                    outputs.append((arg, None))
                c_args.append(None)
            elif arg.direction == "<" and arg.array:
                if arg.type == "T1":
                    data = _chars(value, what)
                    buf = _Output(ctypes.c_char, len(data))
                    ctypes.memmove(buf.raw, data, len(data))
                else:
                    values_in = _integers(value, arg.type, what)
                    buf = _Output(_SCALARS[arg.type], len(values_in))
                    for k, v in enumerate(values_in):
                        ctypes.cast(buf.raw, ctypes.POINTER(_SCALARS[arg.type]))[k] = v
                inputs.append((buf, bytes(buf.raw.raw)))
                c_args.append(buf.pointer)
            elif arg.type == "0T1" and arg.direction == "<":
                buf = ctypes.create_string_buffer(_chars(value, what))  # adds the NUL
                keep.append(buf)
                c_args.append(ctypes.cast(buf, ctypes.c_void_p))
            elif arg.type in ("0T1", "T1") and arg.direction == ">":
                out = _Output(ctypes.c_char, _count(value, what))
                outputs.append((arg, out))
                c_args.append(out.pointer)
            elif arg.direction == "<":
                cell = _SCALARS[arg.type](value)
                keep.append(cell)
                c_args.append(ctypes.cast(ctypes.pointer(cell), ctypes.c_void_p))
            elif arg.direction == "=":
                if arg.array or arg.type in ("0T1", "T1"):
                    raise ValueError(f"{what}: unsupported in/out type")
                out = _Output(_SCALARS[arg.type], 1)
                ctypes.cast(out.raw, ctypes.POINTER(_SCALARS[arg.type]))[0] = value
                outputs.append((arg, out))
                c_args.append(out.pointer)
            else:  # '>' numeric scalar or array
                out = _Output(_SCALARS[arg.type], _count(value, what) if arg.array else 1)
                outputs.append((arg, out))
                c_args.append(out.pointer)
        rc = self.c(*c_args)
        for buf, before in inputs:
            if bytes(buf.raw.raw) != before:
                raise OverrunError(f"{p.name}: the library wrote into an input array (or past its end)")
        results = []
        for arg, out in outputs:
            if out is None:
                results.append(None)
                continue
            out.check(p.name)
            if arg.type == "0T1":
                results.append(out.bytes().split(b"\0", 1)[0])
            elif arg.type == "T1":
                results.append(out.bytes())
            elif arg.array:
                results.append(out.values())
            else:
                v = out.values()[0]
                results.append(0 if v is None else v)  # c_void_p gives None for NULL
        return [rc] + results if results else rc


class NA:
    """The library as APL sees it after loading: one `Function` per pattern.

    `NA(path)` loads like the binding's `Init`: it declares Describe, asks
    with a 1024-byte buffer, grows the buffer while the library says more is
    available, and declares every pattern of the answer. `legacy="U8"`
    rewrites pointer types as the loader does on interpreters older than 17.0.
    """

    def __init__(self, path, legacy=None):
        self.path = str(path)
        self.cdll = ctypes.CDLL(self.path)
        self.describe = Function(self.cdll, Pattern.parse(DESCRIBE_PATTERN))
        self.sizes_asked = []
        self.answer = self._ask()
        self.version = self.answer["Version"]
        self.patterns = [Pattern.parse(t) for t in self.answer["Patterns"]]
        if legacy:
            self.patterns = [p.legacy(legacy) for p in self.patterns]
        self.functions = {p.name: Function(self.cdll, p) for p in self.patterns}

    def _ask(self):
        size = FIRST_DESCRIBE_SIZE
        for _ in range(8):
            self.sizes_asked.append(size)
            rc, text, got = self.describe(size, size)
            if rc > 0:
                size = rc  # too small: rc is the size needed
            elif rc < 0:
                raise RuntimeError(f"Describe failed with status {rc}")
            elif got > size:
                size = got  # a fuller answer exists
            else:
                return json.loads(text.decode("utf-8"))
        raise RuntimeError(f"Describe kept asking for more: sizes {self.sizes_asked}")

    def __getitem__(self, name):
        return self.functions[name]

    def __getattr__(self, name):
        try:
            return self.__dict__["functions"][name]
        except KeyError:
            raise AttributeError(name) from None
