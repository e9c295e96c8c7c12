"""The APL sources cannot drift from the library: every call they make into
a ⎕NA'd function names a function Describe lists, with as many arguments as
its pattern, and takes apart as many results as ⎕NA returns."""

import re

import pytest

import apl_source


@pytest.fixture(scope="module")
def calls(na):
    found = apl_source.find_calls(set(na.functions) | {"Describe"})
    assert found, "no ⎕NA calls found in bindings/apl"
    return found


def test_every_call_is_a_plain_strand(calls):
    bad = [f"{c.where}: {c.statement}  ({c.error})" for c in calls if c.error]
    assert not bad, "calls whose argument cannot be checked:\n" + "\n".join(bad)


def test_every_call_matches_a_described_pattern(na, calls):
    problems = []
    for c in calls:
        pattern = na.functions.get(c.name)
        if pattern is None:
            problems.append(f"{c.where}: {c.name} is not in Describe's answer")
            continue
        pattern = pattern.pattern
        if len(c.items) != len(pattern.args):
            problems.append(
                f"{c.where}: {c.name} called with {len(c.items)} arguments, pattern {pattern.text!r} has {len(pattern.args)}"
            )
        outputs = sum(a.is_output for a in pattern.args)
        if c.targets is not None:
            expected = 1 + outputs if outputs else 1
            if len(c.targets) != expected:
                problems.append(
                    f"{c.where}: {c.name}'s result assigned to {len(c.targets)} names {c.targets}, "
                    f"⎕NA returns {expected} (rc and {outputs} outputs)"
                )
    assert not problems, "\n".join(problems)


def test_every_export_has_its_wrapper(na, calls):
    """One thin wrapper per export in the kafka namespace."""
    wrapped = {c.name for c in calls if c.file.parent.name == "kafka" and c.function != "load"}
    missing = set(na.functions) - wrapped
    assert not missing, f"exports without a wrapper in bindings/apl/kafka: {sorted(missing)}"


def test_wrapper_calls_from_the_classes_exist():
    """Every kafka.name used outside the namespace is a wrapper that exists,
    called with as many items as its header takes when the call is a strand."""
    wrappers = {}
    for path in (apl_source.BINDING / "kafka").glob("*.aplf"):
        header = apl_source.strip_comment(path.read_text(encoding="utf-8").splitlines()[0]).split(";")[0]
        head = header.split("←", 1)[-1].strip()
        m = re.fullmatch(r"(\w+)\s*(?:\(([^)]*)\)|(\w+))?", head)
        assert m, f"{path.name}: cannot read the header {header!r}"
        arity = len(m.group(2).split()) if m.group(2) else None if m.group(3) else 0
        wrappers[m.group(1)] = arity
    problems = []
    for path in apl_source.source_files():
        if path.parent.name == "kafka":
            continue
        for fname, lines in apl_source.functions(path):
            for n, line in lines:
                code = apl_source.strip_comment(line)
                for stmt in apl_source.statements(code):
                    tokens = apl_source.tokenize(stmt)
                    for i, t in enumerate(tokens):
                        if t.kind != "name" or not t.text.startswith("kafka."):
                            continue
                        name = t.text.split(".", 1)[1]
                        if name not in wrappers:
                            problems.append(f"{path.name}:{n} ({fname}): kafka.{name} does not exist")
                            continue
                        try:
                            items = apl_source.parse_strand(tokens[i + 1 :])
                        except apl_source.StrandError:
                            continue
                        arity = wrappers[name]
                        if arity is not None and len(items) != arity and not (arity > 1 and len(items) == 1):
                            problems.append(
                                f"{path.name}:{n} ({fname}): kafka.{name} takes {arity} items, given {len(items)}"
                            )
    assert not problems, "\n".join(problems)


def test_link_layout():
    """What ]link.create brings in: Init, the kafka namespace, the classes,
    and Samples."""
    root = apl_source.BINDING
    for name in ("Init.aplf", "Producer.aplc", "Consumer.aplc", "Record.aplc", "MockCluster.aplc", "Admin.aplc",
                 "kafka/load.aplf"):
        assert (root / name).is_file(), name
    for path in root.rglob("*.aplc"):
        text = path.read_text(encoding="utf-8")
        assert re.match(rf":Class {path.stem}\b", text) and text.rstrip().endswith(":EndClass"), path.name
        assert text.count("∇") % 2 == 0, f"{path.name}: unbalanced ∇"
    for path in root.rglob("*.aplf"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert apl_source._header_name(first.strip()) == path.stem, f"{path}: header {first!r} does not define {path.stem}"
    assert list((root / "Samples").glob("*.aplf")), "no samples"


def test_control_structures_balance():
    """:If/:EndIf and friends pair up in every function (a cheap syntax check
    in the absence of an interpreter)."""
    openers = {":If": ":EndIf", ":For": ":EndFor", ":While": ":EndWhile", ":Repeat": ":Until",
               ":Select": ":EndSelect", ":Trap": ":EndTrap"}
    closers = {v: k for k, v in openers.items()}
    closers[":EndRepeat"] = ":Repeat"
    problems = []
    for path in apl_source.source_files():
        for fname, lines in apl_source.functions(path):
            stack = []
            for n, line in lines:
                word = apl_source.strip_comment(line).strip().split(" ")[0]
                if word in openers:
                    stack.append((word, n))
                elif word in closers:
                    if not stack or stack[-1][0] != closers[word]:
                        problems.append(f"{path.name}:{n} ({fname}): {word} without {closers[word]}")
                    else:
                        stack.pop()
            problems += [f"{path.name}:{n} ({fname}): {w} not closed" for w, n in stack]
    assert not problems, "\n".join(problems)


def public_methods(class_file):
    """The names of a class's :Access Public methods (constructors aside)."""
    found = []
    for fname, lines in apl_source.functions(apl_source.BINDING / class_file):
        code = [apl_source.strip_comment(line).strip() for _, line in lines]
        if ":Access Public" in code and not any(c.startswith(":Implements") for c in code):
            found.append(fname)
    return found


@pytest.mark.parametrize("class_file", ["Producer.aplc", "Consumer.aplc", "Admin.aplc", "MockCluster.aplc"])
def test_the_mirror_has_every_public_method(class_file):
    """The replays can only cover what apl_mirror mirrors: a public method
    added to a class without its mirror fails here."""
    import apl_mirror

    mirror = getattr(apl_mirror, class_file.split(".")[0])
    missing = [m for m in public_methods(class_file) if not hasattr(mirror, m)]
    # get_producer/get_consumer hand out the handle, which the mirror keeps as .handle
    missing = [m for m in missing if not m.startswith("get_")]
    assert not missing, f"{class_file}: public methods without a mirror in apl_mirror.py: {missing}"


def test_the_mirror_has_every_wrapper(na, calls):
    """Every wrapper making a ⎕NA call has its mirror in apl_mirror.Kafka."""
    import apl_mirror

    wrappers = {c.function for c in calls if c.file.parent.name == "kafka" and c.function != "load"}
    missing = sorted(w for w in wrappers if not hasattr(apl_mirror.Kafka, w))
    assert not missing, f"wrappers without a mirror in apl_mirror.Kafka: {missing}"


def test_brackets_and_quotes_balance():
    """Every code line closes the parentheses, brackets and quotes it opens
    (none may span lines in APL; braces may, so they are left out): the typo
    an interpreter would catch at once, caught here without one."""
    pairs = {")": "(", "]": "["}
    problems = []
    for path in apl_source.source_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = apl_source.strip_comment(line)
            if code.count("'") % 2:
                problems.append(f"{path.name}:{n}: unbalanced quote: {line.strip()}")
                continue
            stack = []
            for t in apl_source.tokenize(code):
                if t.kind != "prim":
                    continue
                if t.text in "([":
                    stack.append(t.text)
                elif t.text in pairs:
                    if not stack or stack.pop() != pairs[t.text]:
                        stack.append("!")
                        break
            if stack:
                problems.append(f"{path.name}:{n}: unbalanced brackets: {line.strip()}")
    assert not problems, "\n".join(problems)
