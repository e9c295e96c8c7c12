#!/usr/bin/env python3
"""Summarises a callgrind output file for the per-call cost table.

The file must come from
  valgrind --tool=callgrind --collect-atstart=no --compress-strings=no \
           --compress-pos=no --toggle-collect=ENTRY ...
so that only instructions executed inside the ENTRY functions (the calls
being measured, on the calling thread) are counted.

Every function is given an origin from its object and source file:
  librdkafka  code compiled from the rdkafka-sys build (whether it sits in
              kafka.so or is linked statically into the raw driver)
  ours        the rest of kafka.so: our Rust code, its std and crates
  libc        libc, libssl, libcrypto, libz, ld.so
  driver      the benchmark driver itself

Printed as one JSON object:
  total      instructions collected (Ir)
  fn         {name: {"calls", "incl"}} for each function called (calls are
             counted even while collection is off, incl only while on)
  librdkafka Ir spent in librdkafka functions called from ours/driver code
             (inclusive, so it contains any callback they run)
  callbacks  Ir spent in ours/driver functions called back by librdkafka
  overhead   total - librdkafka + callbacks: what the wrapper itself costs
             (its own code, the libc it calls, and its callbacks)
  ours_top   the 15 functions of "ours" with the largest self cost

Usage: cgparse.py FILE
"""
import json
import sys


def origin(ob, fl, fn=""):
    if fn.startswith("0x"):
        return "plt"  # a PLT stub or unnamed code: neither side's own work
    if "rdkafka-sys" in fl or "zstd-sys" in fl:
        return "librdkafka"
    for lib in ("libc.so", "ld-linux", "libcrypto", "libssl", "libz.so", "libm.so", "libgcc"):
        if lib in ob:
            return "libc"
    if "kafka.so" in ob:
        return "ours"
    return "driver"


def main(path):
    fns = {}
    fn_origin = {}
    self_cost = {}
    self_by = {}
    total = 0
    lib = cb = 0
    ob = fl = fn = ""
    cob = cfl = cfn = ""
    pending_calls = None
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                ir = int(parts[1]) if len(parts) > 1 else 0
                if pending_calls is not None:
                    s = fns.setdefault(cfn, {"calls": 0, "incl": 0})
                    s["calls"] += pending_calls
                    s["incl"] += ir
                    caller, callee = origin(ob, fl, fn), origin(cob or ob, cfl or fl, cfn)
                    if caller in ("ours", "driver") and callee == "librdkafka":
                        lib += ir
                    elif caller == "librdkafka" and callee in ("ours", "driver"):
                        cb += ir
                    pending_calls = None
                    cob = cfl = ""
                else:
                    self_cost[fn] = self_cost.get(fn, 0) + ir
                    o = origin(ob, fl, fn)
                    self_by[o] = self_by.get(o, 0) + ir
                    total += ir
                continue
            key, _, val = line.partition("=")
            if key == "ob":
                ob = val
            elif key == "fl":
                fl = val
            elif key == "fn":
                fn = val
                fn_origin[fn] = origin(ob, fl, fn)
            elif key == "cob":
                cob = val
            elif key in ("cfi", "cfl"):
                cfl = val
            elif key == "cfn":
                cfn = val
            elif key == "calls":
                pending_calls = int(val.split()[0])
    ours = sorted(((v, k) for k, v in self_cost.items() if fn_origin.get(k) == "ours"), reverse=True)[:15]
    json.dump(
        {
            "total": total,
            "librdkafka": lib,
            "callbacks": cb,
            "overhead": total - lib + cb,
            "self_by": self_by,
            "ours_top": [[k, v] for v, k in ours],
            "fn": fns,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main(sys.argv[1])
