#!/usr/bin/env python3
"""Draws the evaluation plots from the JSON of `ropescale eval ppl --json` and
`ropescale eval passkey --json` (the "results" arrays; schema in src/eval/README.md).

  perplexity-vs-length.png  perplexity against evaluation length, one line per model / RoPE
  retrieval-vs-length.png   exact pass-key retrieval against length (mean over depths, with the
                            standard error), one line per model / RoPE, one panel per format
  needle-heatmap.png        exact retrieval over lengths x depths, one panel per model / RoPE
                            (for one format, --heatmap-format)

Every PNG is written to a temporary name and renamed. Labels: a model is shown by its file name
without extension unless --label PATH=TEXT names it. Needs python3-matplotlib (env/install-deps.sh).
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fail(message):
    print(f"plot_eval: {message}", file=sys.stderr)
    sys.exit(1)


def load_results(path, command):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{path}: cannot read JSON ({e})")
    results = doc.get("results")
    if not isinstance(results, list):
        fail(f"{path}: no 'results' array (is it the --json output of `ropescale {command}`?)")
    return results


def save(fig, out_dir, name):
    path = os.path.join(out_dir, name)
    tmp = f"{path}.tmp-{os.getpid()}"
    fig.savefig(tmp, dpi=120, bbox_inches="tight", format="png")
    plt.close(fig)
    os.replace(tmp, path)
    print(path)


def series_label(row, labels):
    model = row["model"]
    name = labels.get(model, os.path.splitext(os.path.basename(model))[0])
    return f"{name} / {row['rope']}"


def ordered(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def plot_perplexity(results, labels, out_dir):
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for label in ordered(series_label(r, labels) for r in results):
        rows = sorted((r for r in results if series_label(r, labels) == label),
                      key=lambda r: r["length"])
        ax.plot([r["length"] for r in rows], [r["perplexity"] for r in rows], marker="o",
                label=label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    lengths = sorted({r["length"] for r in results})
    ax.set_xticks(lengths, [str(n) for n in lengths])
    ax.set_xlabel("evaluation length (tokens)")
    ax.set_ylabel("perplexity (held-out text)")
    ax.set_title("Perplexity against length")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    save(fig, out_dir, "perplexity-vs-length.png")


def mean_over_depths(rows):
    """Pools the documents of every depth of one (series, length, format)."""
    documents = sum(r["documents"] for r in rows)
    exact = sum(r["exact"] for r in rows)
    p = exact / documents if documents else 0.0
    return p, math.sqrt(p * (1.0 - p) / documents) if documents else 0.0


def plot_retrieval(results, labels, out_dir):
    formats = ordered(r["format"] for r in results)
    fig, axes = plt.subplots(1, len(formats), figsize=(5.2 * len(formats), 4.0), squeeze=False)
    lengths = sorted({r["length"] for r in results})
    for ax, fmt in zip(axes[0], formats):
        rows_f = [r for r in results if r["format"] == fmt]
        for label in ordered(series_label(r, labels) for r in rows_f):
            xs, ys, errs = [], [], []
            for length in lengths:
                rows = [r for r in rows_f
                        if series_label(r, labels) == label and r["length"] == length]
                if rows:
                    p, se = mean_over_depths(rows)
                    xs.append(length)
                    ys.append(100.0 * p)
                    errs.append(100.0 * se)
            ax.errorbar(xs, ys, yerr=errs, marker="o", capsize=3, label=label)
        ax.set_xscale("log", base=2)
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.set_ylim(-3, 103)
        ax.set_xlabel("document length (tokens)")
        ax.set_ylabel("exact retrieval (%)")
        ax.set_title(f"Greedy retrieval: {fmt}")
        ax.grid(True, alpha=0.3)
    # One legend, outside the last panel, so no line hides under it.
    axes[0][-1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    save(fig, out_dir, "retrieval-vs-length.png")


def plot_heatmap(results, labels, out_dir, fmt):
    rows_f = [r for r in results if r["format"] == fmt and r["depth"] is not None]
    if not rows_f:
        print(f"plot_eval: no results with depths for format {fmt}: no heat map", file=sys.stderr)
        return
    series = ordered(series_label(r, labels) for r in rows_f)
    lengths = sorted({r["length"] for r in rows_f})
    depths = sorted({r["depth"] for r in rows_f})
    columns = min(3, len(series))
    rows_n = math.ceil(len(series) / columns)
    fig, axes = plt.subplots(rows_n, columns, figsize=(4.2 * columns, 3.4 * rows_n),
                             squeeze=False, layout="constrained")
    image = None
    for index, label in enumerate(series):
        ax = axes[index // columns][index % columns]
        grid = [[float("nan")] * len(lengths) for _ in depths]
        for r in rows_f:
            if series_label(r, labels) == label:
                grid[depths.index(r["depth"])][lengths.index(r["length"])] = 100.0 * r["accuracy"]
        image = ax.imshow(grid, vmin=0, vmax=100, cmap="RdYlGn", aspect="auto", origin="upper")
        for i in range(len(depths)):
            for j in range(len(lengths)):
                if not math.isnan(grid[i][j]):
                    ax.text(j, i, f"{grid[i][j]:.0f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(lengths)), [str(n) for n in lengths])
        ax.set_yticks(range(len(depths)), [f"{d:g}" for d in depths])
        ax.set_xlabel("document length (tokens)")
        if index % columns == 0:
            ax.set_ylabel("needle depth")
        ax.set_title(label, fontsize=9)
    for index in range(len(series), rows_n * columns):
        axes[index // columns][index % columns].axis("off")
    fig.suptitle(f"Exact retrieval (%), format {fmt}")
    fig.colorbar(image, ax=axes, shrink=0.8)
    save(fig, out_dir, "needle-heatmap.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ppl", action="append", default=[],
                        help="JSON of `ropescale eval ppl --json` (repeatable)")
    parser.add_argument("--passkey", action="append", default=[],
                        help="JSON of `ropescale eval passkey --json` (repeatable)")
    parser.add_argument("--out-dir", required=True, help="folder for the PNGs (created)")
    parser.add_argument("--heatmap-format", default="passkey",
                        help="needle format of the heat map (default passkey)")
    parser.add_argument("--label", action="append", default=[], metavar="PATH=TEXT",
                        help="show model PATH as TEXT (repeatable)")
    args = parser.parse_args()
    if not args.ppl and not args.passkey:
        fail("nothing to plot: give --ppl and/or --passkey")
    labels = {}
    for item in args.label:
        if "=" not in item:
            fail(f"--label {item!r}: expected PATH=TEXT")
        path, text = item.split("=", 1)
        labels[path] = text
    os.makedirs(args.out_dir, exist_ok=True)
    if args.ppl:
        results = [r for path in args.ppl for r in load_results(path, "eval ppl")]
        plot_perplexity(results, labels, args.out_dir)
    if args.passkey:
        results = [r for path in args.passkey for r in load_results(path, "eval passkey")]
        plot_retrieval(results, labels, args.out_dir)
        plot_heatmap(results, labels, args.out_dir, args.heatmap_format)


if __name__ == "__main__":
    main()
