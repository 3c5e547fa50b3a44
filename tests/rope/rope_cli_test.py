#!/usr/bin/env python3
"""`ropescale rope show|critical-dim`: the JSON shape other tools rely on, the table mode,
longrope's short/long switch at seq_len == L vs L + 1, and one-line errors with exit code 1."""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("ROPESCALE_BIN", "ropescale")
SOURCE = os.environ.get(
    "ROPESCALE_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(SOURCE, "tests", "fixtures", "rope")
failures = []


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def expect(condition, message):
    if not condition:
        failures.append(message)


def show(fixture, *extra):
    result = run("rope", "show", "--config", os.path.join(FIXTURES, fixture), "--json", *extra)
    expect(result.returncode == 0, f"show {fixture} {extra}: exit {result.returncode} "
                                   f"{result.stderr}")
    lines = result.stdout.strip().splitlines()
    expect(len(lines) == 1, f"show {fixture}: expected one JSON line, got {len(lines)}")
    return json.loads(lines[0])


# LongRoPE2 paper example: LLaMA-3-8B d=128, b=500000, L=8192 -> i_c 35, d_tcd 70.
result = run("rope", "critical-dim", "--head-dim", "128", "--base", "500000", "--train-len",
             "8192", "--json")
expect(result.returncode == 0 and json.loads(result.stdout) ==
       {"critical_index": 35, "critical_dim": 70}, f"critical-dim: {result.stdout!r}")
result = run("rope", "critical-dim", "--head-dim", "127", "--base", "500000", "--train-len", "8192")
expect(result.returncode == 1 and "head dim" in result.stderr, f"odd head dim: {result.stderr!r}")

# Phi-3.5-mini: L = 4096; short factors up to 4096 positions, long from 4097.
at_l = show("phi-3.5-mini-instruct.json", "--seq-len", "4096")
above = show("phi-3.5-mini-instruct.json", "--seq-len", "4097")
default = show("phi-3.5-mini-instruct.json")
for key in ("rope_type", "inv_freq", "attention_scaling", "rotary_dim", "base", "seq_len",
            "factor_set"):
    expect(key in at_l, f"show --json lacks '{key}'")
expect(at_l["rope_type"] == "longrope", f"rope_type {at_l['rope_type']}")
expect(at_l["factor_set"] == "short" and above["factor_set"] == "long",
       f"factor_set at L {at_l['factor_set']}, at L+1 {above['factor_set']}")
expect(at_l["inv_freq"] != above["inv_freq"], "short and long frequencies are identical")
expect(default["seq_len"] == 131072 and default["factor_set"] == "long",
       f"default seq_len {default['seq_len']} (expected max_position_embeddings 131072)")
expect(len(at_l["inv_freq"]) == 48 and at_l["rotary_dim"] == 96, "phi-3.5 rotary dims")
phi4 = show("phi-4-mini-instruct.json", "--seq-len", "5000")
expect(phi4["rotary_dim"] == 96 and len(phi4["inv_freq"]) == 48, "phi-4 partial rotary")

# Table mode: readable, one row per frequency.
result = run("rope", "show", "--config", os.path.join(FIXTURES, "llama-3.1-8b-instruct.json"))
expect(result.returncode == 0 and "llama3" in result.stdout and
       len(result.stdout.strip().splitlines()) > 64, f"table: {result.stdout[:200]!r}")

# A folder holding config.json is accepted.
with tempfile.TemporaryDirectory() as folder:
    with open(os.path.join(FIXTURES, "deepseek-v3.json")) as src, \
            open(os.path.join(folder, "config.json"), "w") as dst:
        dst.write(src.read())
    result = run("rope", "show", "--config", folder, "--json")
    expect(result.returncode == 0 and json.loads(result.stdout)["rope_type"] == "yarn",
           f"folder: {result.stderr!r}")
    with open(os.path.join(folder, "config.json"), "w") as dst:
        dst.write('{"hidden_size": 64, "num_attention_heads": 2, "rope_scaling": {"type": "linear"}}')
    result = run("rope", "show", "--config", folder, "--json")
    errors = [l for l in result.stderr.splitlines() if l.startswith("ropescale: error:")]
    expect(result.returncode == 1 and len(errors) == 1 and "rope_scaling.factor" in errors[0] and
           "config.json" in errors[0], f"missing factor: {result.stderr!r}")
    with open(os.path.join(folder, "config.json"), "w") as dst:
        dst.write('{"hidden_size": 64,')
    result = run("rope", "show", "--config", folder)
    expect(result.returncode == 1 and "config.json" in result.stderr, f"bad JSON: {result.stderr!r}")

result = run("rope", "show", "--config", os.path.join(FIXTURES, "gemma-3-4b-it.json"))
expect(result.returncode == 1 and "text_config.num_attention_heads" in result.stderr,
       f"gemma: {result.stderr!r}")

for line in failures:
    print("FAIL", line)
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
