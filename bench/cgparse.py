#!/usr/bin/env python3
"""Reads a callgrind output file (written with --compress-strings=no
--compress-pos=no) and prints, as one JSON object:

  total      instructions collected (Ir)
  fn         {name: {"calls": n, "incl": Ir}} for every function that was
             called while collection was on (inclusive cost summed over all
             call sites: exact without recursion)
  edges      {"caller>callee": {"calls": n, "incl": Ir}}
  self_by    self cost by origin: "librdkafka" (code from the rdkafka-sys
             build), "libc", "ours" (the Rust library, its std and crates)
  ours_top   the 15 functions of "ours" with the largest self cost

Usage: cgparse.py FILE
"""
import json
import sys


def origin(ob, fl):
    if "rdkafka-sys" in fl or "zstd-sys" in fl:
        return "librdkafka"
    if "libc.so" in ob or "ld-linux" in ob or "libcrypto" in ob or "libssl" in ob or "libz.so" in ob:
        return "libc"
    if "kafka.so" in ob:
        return "ours"
    return "driver"


def main(path):
    fn_stats = {}
    edges = {}
    self_cost = {}
    self_by = {}
    total = 0
    ob = fl = fn = ""
    cob = ""
    cfn = None
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
                    key = fn + ">" + cfn
                    e = edges.setdefault(key, {"calls": 0, "incl": 0})
                    e["calls"] += pending_calls
                    e["incl"] += ir
                    s = fn_stats.setdefault(cfn, {"calls": 0, "incl": 0})
                    s["calls"] += pending_calls
                    s["incl"] += ir
                    pending_calls = None
                else:
                    self_cost[fn] = self_cost.get(fn, 0) + ir
                    o = origin(ob, fl)
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
                fn_origin[fn] = origin(ob, fl)
            elif key == "cfn":
                cfn = val
            elif key == "calls":
                pending_calls = int(val.split()[0])
            elif key == "summary" or key == "totals":
                pass
    ours = sorted(((v, k) for k, v in self_cost.items() if fn_origin.get(k) == "ours"), reverse=True)[:15]
    json.dump(
        {
            "total": total,
            "fn": fn_stats,
            "edges": edges,
            "self_by": self_by,
            "ours_top": [[k, v] for v, k in ours],
        },
        sys.stdout,
    )
    print()


fn_origin = {}

if __name__ == "__main__":
    main(sys.argv[1])
