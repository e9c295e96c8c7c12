"""Every ⎕NA pattern the library describes agrees with include/kafka.h, and
Describe answers loaders old and new as the binding's Init expects."""

import json
import re

import pytest

import apl_source
from na import DESCRIBE_PATTERN, NA, Function, Pattern

HEADER = apl_source.BINDING.parents[1] / "include" / "kafka.h"

#: Dyalog's original exports: what its loader's 1024-byte Describe call gets.
DYALOG = {
    "Version", "Describe", "InitKafka", "UninitProducer", "UninitConsumer", "SetKafkaConf",
    "NewTopicPartitionList", "SetTopicPartitionList", "SetOffset", "SubscribeConsumerTPList",
    "Produce", "DeliveryReport", "DRMessageError", "Consume", "Commit", "Committed",
}

#: C type in the header -> the ⎕NA argument types that marshal it faithfully
#: (width, signedness and direction).
COMPATIBLE = {
    "const char*": {"<0T1", "<T1[]"},  # <T1[]: bytes with their length elsewhere
    "char*": {">0T1", ">T1[]"},
    "void*": {"P"},
    "void**": {">P"},
    "int": {"I4"},
    "int32_t": {"I4"},
    "uint32_t": {"U4"},
    "int64_t": {"I8"},
    "uint64_t": {"U8"},
    "int*": {"=I4", ">I4", ">I4[]"},
    "int32_t*": {"=I4", ">I4", ">I4[]"},
    "const int*": {"<I4", "<I4[]"},
    "const int32_t*": {"<I4", "<I4[]"},
    "const int64_t*": {"<I8", "<I8[]"},
    "uint32_t*": {"=U4"},
    "int64_t*": {">I8", ">I8[]"},
    "uint64_t*": {">U8", ">U8[]"},
    "unsigned long long*": {">U8", ">U8[]"},
}
RESULTS = {"int": "I4", "int32_t": "I4"}


def c_type(declaration):
    """'const char *key' -> 'const char*'; 'void **kafka' -> 'void**'."""
    m = re.fullmatch(r"\s*(.*?)\s*(\**)\s*(\w+)\s*", declaration)
    assert m, f"cannot read the C parameter {declaration!r}"
    base = " ".join(m.group(1).split())
    stars = m.group(2)
    # 'char* x' and 'char *x' both
    while base.endswith("*"):
        stars += "*"
        base = base[:-1].rstrip()
    return base + stars


def header_prototypes():
    text = HEADER.read_text()
    found = {}
    for m in re.finditer(r"^(\w[\w ]*?)\s+(\w+)\(([^)]*)\);", text, re.M):
        params = [] if m.group(3).strip() in ("", "void") else [c_type(p) for p in m.group(3).split(",")]
        found[m.group(2)] = (m.group(1).strip(), params)
    return found


PROTOTYPES = header_prototypes()


def test_header_was_read():
    assert len(PROTOTYPES) >= len(DYALOG), f"only {sorted(PROTOTYPES)} read from {HEADER}"


def test_every_export_is_described_and_every_pattern_exported(na):
    described = [p.name for p in na.patterns]
    assert len(described) == len(set(described)), f"Describe lists a function twice: {described}"
    assert set(described) == set(PROTOTYPES), (
        f"in the header but not described: {sorted(set(PROTOTYPES) - set(described))}; "
        f"described but not in the header: {sorted(set(described) - set(PROTOTYPES))}"
    )


def test_dyalog_functions_are_all_described(na):
    assert DYALOG <= {p.name for p in na.patterns}


def mismatches(pattern, prototype):
    """How a ⎕NA pattern disagrees with a C prototype (result, params)."""
    result, params = prototype
    found = []
    if pattern.library != "%P":
        found.append(f"{pattern.text}: the library must be %P")
    if RESULTS.get(result) != pattern.result:
        found.append(f"{pattern.name}: C returns {result}, the pattern says {pattern.result}")
    if len(pattern.args) != len(params):
        found.append(
            f"{pattern.name}: C takes {len(params)} arguments {params}, "
            f"the pattern declares {len(pattern.args)}: {pattern.text}"
        )
    for i, (ctype, arg) in enumerate(zip(params, pattern.args), 1):
        allowed = COMPATIBLE.get(ctype)
        if allowed is None:
            found.append(f"{pattern.name} argument {i}: no ⎕NA mapping known for C type {ctype!r}")
        elif str(arg) not in allowed:
            found.append(
                f"{pattern.name} argument {i}: C type {ctype} needs one of {sorted(allowed)}, "
                f"the pattern says {arg} ({pattern.text})"
            )
    return found


@pytest.mark.parametrize("name", sorted(PROTOTYPES))
def test_pattern_matches_header(na, name):
    pattern = next((p for p in na.patterns if p.name == name), None)
    assert pattern is not None, f"{name} is exported but Describe has no pattern for it"
    problems = mismatches(pattern, PROTOTYPES[name])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "wrong",
    [
        "I4 %P|Consume P >0T1 =U4 >T1[] =U4 >T1[] =U4 >U4 >I8 >0T1 =I4",  # Dyalog's own: partition >U4
        "I4 %P|Produce P <0T1 <0T1 U4 <0T1 U4 I4 >I8 >0T1 =I4",  # msgid signed
        "I4 %P|Produce P <0T1 <0T1 U4 <0T1 U4 I4 >U8 >0T1",  # a missing argument
        "I4 %P|SetKafkaConf P >0T1 <0T1 >0T1 =I4",  # an input declared as output
        "I4 %P|SetOffset P <0T1 I4 I4",  # offset too narrow
        "I4 %P|InitKafka P",  # void** as a value
        "I8 %P|Commit P P",  # result too wide
    ],
)
def test_the_check_catches_mismatches(wrong):
    """The comparison above is not vacuous: patterns that disagree with the
    header in width, signedness, direction or count are caught."""
    pattern = Pattern.parse(wrong)
    assert mismatches(pattern, PROTOTYPES[pattern.name])


def test_patterns_can_all_be_declared(na, lib_path):
    # The caller binds each pattern to the exported symbol with the declared
    # types, as ⎕NA does; a missing symbol raises here.
    for p in na.patterns:
        Function(na.cdll, p)


def describe_raw(na, size):
    rc, text, got = na.describe(size, size)
    return rc, text, got


def full_answer(na):
    return json.dumps(na.answer, separators=(",", ":"))


def test_dyalog_loader_call_with_1024_bytes(na):
    """Dyalog's loader: `Describe 1024 1024`, any non-zero rc is a failure,
    then ⎕NA of every pattern."""
    rc, text, got = describe_raw(na, 1024)
    assert rc == 0, f"Describe with 1024 bytes returned {rc}: Dyalog's loader would stop with 'Shared lib failed'"
    answer = json.loads(text.decode())
    names = [Pattern.parse(p).name for p in answer["Patterns"]]
    full = [p.name for p in na.patterns]
    full_len = len(full_answer(na).encode())
    if full_len < 1024:
        # Everything fits: the header's documented behaviour is the full
        # answer (Dyalog's functions plus ours, all of them exported).
        assert names == full and got == full_len
    else:
        assert set(names) == DYALOG and got == full_len + 1
    assert DYALOG <= set(names)


def test_describe_too_small_for_dyalog_answer_returns_size_needed(na):
    full_len = len(full_answer(na).encode())
    rc, text, got = describe_raw(na, 16)
    assert rc == full_len + 1 and got == full_len + 1, (rc, got)
    assert text == b"", "nothing may be written when the answer does not fit"


def test_describe_between_dyalog_and_full_answer_gives_exactly_dyalogs_functions(na):
    """A buffer big enough for Dyalog's functions only (what a 1024-byte call
    gets once the full answer outgrows 1024): exactly Dyalog's functions,
    rc 0, and the size the full answer needs."""
    full_len = len(full_answer(na).encode())
    rc, text, got = describe_raw(na, full_len)  # full needs full_len + 1 with its NUL
    assert rc == 0, rc
    names = [Pattern.parse(p).name for p in json.loads(text.decode())["Patterns"]]
    assert set(names) == DYALOG and len(names) == len(DYALOG), names
    assert got == full_len + 1


@pytest.mark.parametrize("first", [16, 512, "dyalog-only"])
def test_init_loop_reaches_full_answer_from_any_first_size(lib_path, na, first):
    """The loader's loop (kafka/load.aplf, mirrored by NA): rc≠0 → ask rc
    bytes; rc=0 with the returned size above the buffer → ask that size."""
    import na as na_module

    full_len = len(full_answer(na).encode())
    size = full_len if first == "dyalog-only" else first
    saved = na_module.FIRST_DESCRIBE_SIZE
    na_module.FIRST_DESCRIBE_SIZE = size
    try:
        fresh = NA(lib_path)
    finally:
        na_module.FIRST_DESCRIBE_SIZE = saved
    assert [p.text for p in fresh.patterns] == [p.text for p in na.patterns]
    assert fresh.sizes_asked == [size, full_len + 1], fresh.sizes_asked


def test_binding_loader_follows_the_same_protocol():
    """kafka/load.aplf declares Describe with Dyalog's pattern, starts at
    1024 bytes, and grows on rc>0 and on rc=0 with a bigger size."""
    code = "\n".join(apl_source.method_lines("kafka/load.aplf", "load"))
    assert "'|" + DESCRIBE_PATTERN.split("|", 1)[1] + "'" in code
    assert re.search(r"^\s*size←1024\s*$", code, re.M)
    assert re.search(r":If rc>0\s*\n\s*size←rc", code)
    assert re.search(r":ElseIf got>size\s*\n\s*size←got", code)
    assert "⎕NA¨patterns" in code


def test_legacy_pointer_rewrite_only_touches_argument_types():
    p = Pattern.parse("I4 /opt/My Programs/kafka.so|Produce P <0T1 >P =I4")
    assert p.legacy("U8").text == "I4 /opt/My Programs/kafka.so|Produce U8 <0T1 >U8 =I4"
    assert p.legacy("U4").text == "I4 /opt/My Programs/kafka.so|Produce U4 <0T1 >U4 =I4"


def test_version(kafka):
    number, string = kafka.version()
    assert re.fullmatch(rb"\d+\.\d+\.\d+\S*", string), string
    major, minor, rev = (int(x) for x in re.match(rb"(\d+)\.(\d+)\.(\d+)", string).groups())
    assert number >> 8 == (major << 16) | (minor << 8) | rev, hex(number)
