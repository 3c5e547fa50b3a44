#!/usr/bin/env python3
"""Prints the main job's before/after table (Markdown) from `ropescale eval ppl --json` outputs.

Usage: before_after_table.py LABEL=EVAL.json[:ROPE] ... --short 256 --long 2048
Each argument is one row: the label, the eval JSON, and which RoPE row of it to use (default:
the first). The first row is the reference for short-context retention (ppl@short of the base
model with its original RoPE).
"""
import argparse
import json
import sys


def cell(results, rope, length):
    for row in results:
        if row["rope"] == rope and row["length"] == length:
            return row
    sys.exit(f"before_after_table: no row for rope {rope} at length {length}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="+", help="LABEL=EVAL.json[:ROPE]")
    parser.add_argument("--short", type=int, required=True)
    parser.add_argument("--long", type=int, required=True)
    args = parser.parse_args()
    s, t = args.short, args.long
    print(f"| model / RoPE | ppl@{s} | vs base@{s} | ppl@{t} | needle loss@{t} | "
          f"digit accuracy@{t} | exact keys@{t} |")
    print("|---|---|---|---|---|---|---|")
    reference = None
    for spec in args.rows:
        label, _, rest = spec.partition("=")
        path, _, rope = rest.partition(":")
        with open(path) as handle:
            results = json.load(handle)["results"]
        rope = rope or results[0]["rope"]
        short, long = cell(results, rope, s), cell(results, rope, t)
        if reference is None:
            reference = short["perplexity"]
        change = 100.0 * (short["perplexity"] / reference - 1.0)
        needle = long.get("needle_loss")
        accuracy = long.get("needle_digit_accuracy")
        exact = long.get("needle_exact")
        print(f"| {label} | {short['perplexity']:.3f} | {change:+.2f}% | "
              f"{long['perplexity']:.3f} | "
              f"{'-' if needle is None else f'{needle:.3f}'} | "
              f"{'-' if accuracy is None else f'{100 * accuracy:.1f}%'} | "
              f"{'-' if exact is None else str(exact) + '/' + str(long['needle_documents'])} |")


if __name__ == "__main__":
    main()
