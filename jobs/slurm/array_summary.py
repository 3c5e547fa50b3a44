#!/usr/bin/env python3
"""The summary table of a search job array (jobs/search-array.sh): one row per task (seed, target
length, status, generations, fitness of the exported factors, the factors) from the run folders
RUNS_DIR/search-ARRAY_TASK, then the fitness over the seeds per target length (mean, standard
deviation, min, max). Markdown on stdout and, with --out, in a file (written atomically).
Standard library only."""
import argparse
import json
import math
import os
import sys


def read_settings(path):
    """KEY=value lines of a run folder's settings.conf (the ' # from ...' notes dropped)."""
    settings = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                key, value = line.split("=", 1)
                settings[key] = value.split("  # from ", 1)[0].strip()
    except OSError:
        pass
    return settings


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError):
        return None


def task_row(runs_dir, array, task):
    run = os.path.join(runs_dir, f"search-{array}_{task}")
    row = {"task": task, "seed": "-", "target": "-", "status": "never started", "fitness": None,
           "generations": "-", "factors": "-"}
    if not os.path.isdir(run):
        return row
    settings = read_settings(os.path.join(run, "settings.conf"))
    row["seed"] = settings.get("RS_SEED", "-")
    row["target"] = settings.get("RS_TARGET_LEN", "-")
    row["status"] = read_text(os.path.join(run, "status")) or "no status"
    result = read_json(os.path.join(run, "search.json"))
    if row["status"] == "completed" and result is not None:
        exported = result.get("exported", {})
        row["fitness"] = exported.get("fitness")
        row["generations"] = str(result.get("last_generation", "-"))
        row["factors"] = ", ".join(f"{x:g}" for x in exported.get("long_factor", []))
    return row


def spread(values):
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0
    return mean, sd, min(values), max(values)


def summary(runs_dir, array, tasks):
    rows = [task_row(runs_dir, array, t) for t in range(tasks)]
    done = [r for r in rows if r["fitness"] is not None]
    lines = [f"# Search array {array}: {len(done)} of {tasks} tasks completed", "",
             "| task | seed | target | status | generations | fitness | long_factor |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        fitness = "-" if r["fitness"] is None else f"{r['fitness']:.6f}"
        lines.append(f"| {r['task']} | {r['seed']} | {r['target']} | {r['status']} | "
                     f"{r['generations']} | {fitness} | {r['factors']} |")
    lines += ["", "Fitness (mean loss of the exported factors, lower is better) over the seeds:", "",
              "| target | completed | mean | s.d. | min | max |", "|---|---|---|---|---|---|"]
    for target in sorted({r["target"] for r in done}, key=lambda t: int(t) if t.isdigit() else 0):
        values = [r["fitness"] for r in done if r["target"] == target]
        mean, sd, low, high = spread(values)
        lines.append(f"| {target} | {len(values)} | {mean:.6f} | {sd:.6f} | {low:.6f} | {high:.6f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs-dir", required=True, help="the array's RS_RUNS_DIR")
    parser.add_argument("--array", required=True, help="the array's job id")
    parser.add_argument("--tasks", type=int, required=True, help="the number of tasks (0 .. N-1)")
    parser.add_argument("--out", help="also write the table here (atomically)")
    args = parser.parse_args()
    if args.tasks < 1:
        parser.error("--tasks must be at least 1")
    text = summary(args.runs_dir, args.array, args.tasks)
    if args.out:
        tmp = f"{args.out}.tmp-{os.getpid()}"
        try:
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, args.out)
        except OSError as e:
            print(f"array_summary: cannot write {args.out}: {e}", file=sys.stderr)
            return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
