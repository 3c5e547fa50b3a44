#!/usr/bin/env python3
"""The reproduction's main table (docs/reproduction.md) from the JSONs of `ropescale eval ppl
--json` and `ropescale eval passkey --json`: one row per method, each method a (model, RoPE) pair
found in the "results" arrays.

  python3 jobs/reproduction_table.py --short 256 --long 2048 --base data/tiny-llama.h5:original \\
      --ppl a.json --ppl b.json --passkey c.json --passkey d.json \\
      "PI, no training=data/tiny-llama.h5:pi" "PI-FT=runs/r/pi-ft.h5:model" ...

Columns: perplexity at the short and long length, exact pass-key retrieval (all depths pooled,
with its standard error) at both, and short-context retention against --base: the base's
perplexity at --short divided by the method's (100% = as good as the base, more = better), and
the method's retrieval at --short divided by the base's. Standard library only.
"""
import argparse
import json
import math
import sys


def fail(message):
    print(f"reproduction_table: {message}", file=sys.stderr)
    sys.exit(1)


def load(paths):
    rows = []
    for path in paths:
        try:
            with open(path) as f:
                rows.extend(json.load(f)["results"])
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
            fail(f"{path}: not an eval JSON with a 'results' array ({e})")
    return rows


def split_method(spec):
    if "=" not in spec or ":" not in spec.split("=", 1)[1]:
        fail(f"method {spec!r}: expected LABEL=MODEL:ROPE")
    label, rest = spec.split("=", 1)
    model, rope = rest.rsplit(":", 1)
    return label, model, rope


def perplexity(rows, model, rope, length):
    for r in rows:
        if r["model"] == model and r["rope"] == rope and r["length"] == length:
            return r["perplexity"]
    return None


def retrieval(rows, model, rope, length, fmt):
    hits = [r for r in rows if r["model"] == model and r["rope"] == rope and
            r["length"] == length and r["format"] == fmt]
    documents = sum(r["documents"] for r in hits)
    if documents == 0:
        return None
    p = sum(r["exact"] for r in hits) / documents
    return p, math.sqrt(p * (1 - p) / documents), documents


def cell_ppl(value):
    return "-" if value is None else f"{value:.2f}"


def cell_retrieval(value):
    return "-" if value is None else f"{100 * value[0]:.0f}% ±{100 * value[1]:.0f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", type=int, required=True, help="the original window L")
    parser.add_argument("--long", type=int, required=True, help="the target length")
    parser.add_argument("--base", required=True, help="MODEL:ROPE the retention is measured against")
    parser.add_argument("--format", default="passkey", help="needle format of the retrieval columns")
    parser.add_argument("--ppl", action="append", default=[], help="eval ppl JSON (repeatable)")
    parser.add_argument("--passkey", action="append", default=[],
                        help="eval passkey JSON (repeatable)")
    parser.add_argument("methods", nargs="+", help="LABEL=MODEL:ROPE, one per row")
    args = parser.parse_args()

    ppl_rows, key_rows = load(args.ppl), load(args.passkey)
    base_model, base_rope = args.base.rsplit(":", 1)
    base_ppl = perplexity(ppl_rows, base_model, base_rope, args.short)
    base_key = retrieval(key_rows, base_model, base_rope, args.short, args.format)
    if base_ppl is None:
        fail(f"--base {args.base}: no perplexity at {args.short} in the --ppl files")

    s, l = args.short, args.long
    print(f"| method | ppl@{s} | ppl@{l} | {args.format}@{s} | {args.format}@{l} | "
          f"ppl retention@{s} | retrieval retention@{s} |")
    print("|---|---|---|---|---|---|---|")
    for spec in args.methods:
        label, model, rope = split_method(spec)
        short_ppl = perplexity(ppl_rows, model, rope, s)
        long_ppl = perplexity(ppl_rows, model, rope, l)
        short_key = retrieval(key_rows, model, rope, s, args.format)
        long_key = retrieval(key_rows, model, rope, l, args.format)
        if short_ppl is None and long_ppl is None and short_key is None and long_key is None:
            fail(f"method {label!r}: no result for model {model} with RoPE {rope}")
        ppl_ret = "-" if short_ppl is None else f"{100 * base_ppl / short_ppl:.1f}%"
        key_ret = "-"
        if short_key is not None and base_key is not None and base_key[0] > 0:
            key_ret = f"{100 * short_key[0] / base_key[0]:.0f}%"
        print(f"| {label} | {cell_ppl(short_ppl)} | {cell_ppl(long_ppl)} | "
              f"{cell_retrieval(short_key)} | {cell_retrieval(long_key)} | {ppl_ret} | {key_ret} |")


if __name__ == "__main__":
    main()
