"""Reads the APL binding's sources (bindings/apl) for the tests.

Finds every call into a ⎕NA'd function (a name the library's Describe
lists), with its argument strand and the names its result is assigned to,
so that the tests can check each call against the library's patterns and
replay it with the very arguments the APL code passes.

The binding keeps these calls checkable on purpose: a call's right argument
is a plain strand of names, numbers, quoted strings and parenthesised
expressions, one item per ⎕NA argument. A call that is not (say `Fn args`
with args a vector built elsewhere) is reported, not guessed at.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# $KAFKA_APL_SOURCE: an installed copy instead (tests/dist checks one).
BINDING = Path(os.environ.get("KAFKA_APL_SOURCE") or Path(__file__).resolve().parents[2] / "bindings" / "apl")

_NAME = r"(?:[A-Za-z_∆⍙][A-Za-z_∆⍙0-9]*|⎕[A-Za-z]+|##|#)"
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<str>'(?:[^']|'')*')"
    r"|(?P<num>¯?(?:\d+\.?\d*|\.\d+)(?:[Ee]¯?\d+)?(?:[Jj]¯?(?:\d+\.?\d*|\.\d+))?)"
    rf"|(?P<name>{_NAME}(?:\.{_NAME})*)"
    r"|(?P<prim>.)"
)


@dataclass
class Token:
    kind: str  # str num name prim
    text: str

    @property
    def value(self):
        if self.kind == "str":
            return self.text[1:-1].replace("''", "'")
        if self.kind == "num":
            t = self.text.replace("¯", "-")
            return float(t) if re.search(r"[.Ee]", t) else int(t)
        return self.text


def tokenize(statement):
    tokens = []
    for m in _TOKEN.finditer(statement):
        kind = m.lastgroup
        if kind != "space":
            tokens.append(Token(kind, m.group()))
    return tokens


def strip_comment(line):
    """The line without its ⍝ comment (quotes respected)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == "'":
            quoted = not quoted
        elif ch == "⍝" and not quoted:
            return line[:i]
    return line


def statements(line):
    """The ⋄-separated statements of a line (quotes respected)."""
    parts, start, quoted = [], 0, False
    for i, ch in enumerate(line):
        if ch == "'":
            quoted = not quoted
        elif ch == "⋄" and not quoted:
            parts.append(line[start:i])
            start = i + 1
    parts.append(line[start:])
    return [p for p in parts if p.strip()]


@dataclass
class Item:
    """One item of an argument strand."""

    kind: str  # name num str group
    tokens: list

    @property
    def text(self):
        return " ".join(t.text for t in self.tokens)


class StrandError(Exception):
    pass


def parse_strand(tokens):
    """Splits tokens into strand items; raises StrandError on anything else."""
    items, i = [], 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind in ("name", "num", "str"):
            items.append(Item(t.kind, [t]))
            i += 1
        elif t.text == "(":
            depth, j = 0, i
            while j < len(tokens):
                if tokens[j].text == "(":
                    depth += 1
                elif tokens[j].text == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j == len(tokens):
                raise StrandError("unbalanced parenthesis")
            items.append(Item("group", tokens[i + 1 : j]))
            i = j + 1
        else:
            raise StrandError(f"{t.text!r} is not part of a plain strand")
    return items


@dataclass
class Call:
    """A call into a ⎕NA'd function found in the APL sources."""

    file: Path
    line: int
    function: str  # the APL function or method that makes the call
    name: str  # the ⎕NA'd function called
    statement: str
    items: list = field(default_factory=list)
    error: str = ""  # why the argument is not a plain strand
    targets: list = None  # names the result is assigned to, if plainly

    @property
    def where(self):
        return f"{self.file.relative_to(BINDING)}:{self.line} ({self.function})"

    def evaluate(self, env):
        """The argument values, each item evaluated in `env` (APL name ->
        value): names, numbers, strings and `(≢name)`."""
        values = []
        for item in self.items:
            if item.kind == "name":
                if item.tokens[0].text not in env:
                    raise KeyError(f"{self.where}: the call passes {item.tokens[0].text!r}, which the replay does not bind")
                values.append(env[item.tokens[0].text])
            elif item.kind in ("num", "str"):
                values.append(item.tokens[0].value)
            elif [t.text for t in item.tokens[:1]] == ["≢"] and len(item.tokens) == 2:
                values.append(len(env[item.tokens[1].text]))
            else:
                raise ValueError(f"{self.where}: cannot evaluate ({item.text})")
        return values


def _header_name(header):
    """The function name in a tradfn header such as `r←name(a b);x`,
    `name arg` or `left name right`."""
    head = header.split(";")[0].split("←", 1)[-1]
    head = re.sub(r"\([^)]*\)", " ARG ", head)
    names = re.findall(_NAME, head)
    return names[1] if len(names) == 3 else names[0] if names else "?"


def source_files(root=BINDING):
    return sorted(p for p in root.rglob("*") if p.suffix in (".aplf", ".aplc", ".apln"))


def functions(path):
    """(function name, [(line number, line)]) for each function in a file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".aplf":
        return [(_header_name(strip_comment(lines[0]).strip()), list(enumerate(lines, 1)))]
    found, current = [], None
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("∇"):
            if current is None:
                current = (_header_name(stripped[1:].strip()), [])
                found.append(current)
            else:
                current = None
        elif current is not None:
            current[1].append((n, line))
    return found


def find_calls(names, root=BINDING):
    """Every call to one of `names` in the sources under root."""
    calls = []
    for path in source_files(root):
        for fname, lines in functions(path):
            for n, line in lines:
                for stmt in statements(strip_comment(line)):
                    calls.extend(_calls_in(path, n, fname, stmt, names))
    return calls


def _calls_in(path, n, fname, stmt, names):
    tokens = tokenize(stmt)
    out = []
    for i, t in enumerate(tokens):
        if t.kind != "name" or t.text.split(".")[-1] not in names:
            continue
        call = Call(path, n, fname, t.text.split(".")[-1], stmt.strip())
        rest = tokens[i + 1 :]
        # The argument ends at a closing parenthesis the call is inside of.
        depth = 0
        for j, r in enumerate(rest):
            depth += r.text == "("
            depth -= r.text == ")"
            if depth < 0:
                rest = rest[:j]
                break
        try:
            call.items = parse_strand(rest)
        except StrandError as e:
            call.error = str(e)
        left = tokens[:i]
        if len(left) >= 2 and left[-1].text == "←":
            lhs = left[:-1]
            if len(lhs) == 1 and lhs[0].kind == "name":
                call.targets = [lhs[0].text]
            elif lhs[0].text == "(" and lhs[-1].text == ")" and all(x.kind == "name" for x in lhs[1:-1]):
                call.targets = [x.text for x in lhs[1:-1]]
        out.append(call)
    return out


def field_value(class_file, field_name):
    """The initial value of a :Field of a class, as tokens' values."""
    text = (BINDING / class_file).read_text(encoding="utf-8")
    m = re.search(rf"^\s*:Field\b[^\n←]*\b{re.escape(field_name)}\s*←([^\n⍝]*)", text, re.M)
    if not m:
        raise LookupError(f"{class_file} has no :Field {field_name}")
    return [t.value for t in tokenize(m.group(1))]


def method_lines(class_file, method):
    """The code lines (comments removed) of a method of a class."""
    path = BINDING / class_file
    for fname, lines in functions(path):
        if fname == method:
            return [strip_comment(line) for _, line in lines]
    raise LookupError(f"{class_file} has no method {method}")
