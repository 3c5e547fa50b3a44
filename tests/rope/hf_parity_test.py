#!/usr/bin/env python3
"""Parity of `ropescale rope show --json` with Hugging Face transformers' RoPE formulas.

An independent, standard-library-only re-implementation of transformers v5.x
`src/transformers/modeling_rope_utils.py` (and the config standardization in
`configuration_utils.py` / `RotaryEmbeddingConfigMixin.standardize_rope_params`). It runs
$ROPESCALE_BIN on every fixture in tests/fixtures/rope (at several sequence lengths on both
sides of original_max_position_embeddings) and on 50 random configs of every HF kind with a
fixed seed, and asserts 1e-6 relative agreement of every inv_freq and attention_scaling.
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

REL_TOL = 1e-6
BIN = os.environ.get("ROPESCALE_BIN", "ropescale")
SOURCE = os.environ.get(
    "ROPESCALE_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(SOURCE, "tests", "fixtures", "rope")


# ---- config standardization (transformers v5.x configuration_utils.py,
# RotaryEmbeddingConfigMixin.convert_rope_params_to_dict / standardize_rope_params) ----------
class Hf:
    """The attributes the rope init functions read, after standardization."""

    def __init__(self, config):
        model = config.get("text_config") or config
        self.params = dict(model.get("rope_scaling") or model.get("rope_parameters") or {})
        self.params.setdefault("rope_theta", model.get("rope_theta", 10000.0))
        if model.get("partial_rotary_factor") is not None:
            self.params.setdefault("partial_rotary_factor", model["partial_rotary_factor"])
        self.params.setdefault("rope_type", self.params.get("type", "default"))
        if self.params["rope_type"] == "su":  # Phi3Config renames the old spelling
            self.params["rope_type"] = "longrope"
        self.max_position_embeddings = model.get("max_position_embeddings")
        if self.params["rope_type"] in ("llama3", "yarn", "longrope"):
            if "original_max_position_embeddings" in model:
                self.params["original_max_position_embeddings"] = \
                    model["original_max_position_embeddings"]
            else:
                self.params.setdefault("original_max_position_embeddings",
                                       self.max_position_embeddings)
        # DeepSeek configs set head_dim = qk_rope_head_dim (configuration_deepseek_v3.py).
        self.head_dim = (model.get("qk_rope_head_dim") or model.get("head_dim") or
                         model["hidden_size"] // model["num_attention_heads"])

    def dim(self):
        return int(self.head_dim * self.params.get("partial_rotary_factor", 1.0))


def _arange_over_dim(dim):
    return [i / dim for i in range(0, dim, 2)]  # torch.arange(0, dim, 2) / dim


# ---- modeling_rope_utils.py ------------------------------------------------------------
def compute_default(hf, seq_len):
    """_compute_default_rope_parameters: inv_freq = 1 / base^(arange(0, d, 2) / d)."""
    base = hf.params["rope_theta"]
    return [1.0 / (base ** e) for e in _arange_over_dim(hf.dim())], 1.0


def compute_linear(hf, seq_len):
    """_compute_linear_scaling_rope_parameters: the default inv_freq divided by factor."""
    inv_freq, attention = compute_default(hf, seq_len)
    return [f / hf.params["factor"] for f in inv_freq], attention


def compute_dynamic(hf, seq_len):
    """_compute_dynamic_ntk_parameters: seq_len = max(seq_len, config.max_position_embeddings);
    base = base * ((factor * seq_len / M) - (factor - 1)) ** (dim / (dim - 2))."""
    dim = hf.dim()
    factor = hf.params["factor"]
    m = hf.max_position_embeddings
    seq_len = m if seq_len is None else max(seq_len, m)
    base = hf.params["rope_theta"] * ((factor * seq_len / m) - (factor - 1)) ** (dim / (dim - 2))
    return [1.0 / (base ** e) for e in _arange_over_dim(dim)], 1.0


def compute_yarn(hf, seq_len):
    """_compute_yarn_parameters with its inner get_mscale, find_correction_dim,
    find_correction_range and linear_ramp_factor."""
    p = hf.params
    dim = hf.dim()
    base = p["rope_theta"]
    factor = p["factor"]
    attention_factor = p.get("attention_factor")
    mscale = p.get("mscale")
    mscale_all_dim = p.get("mscale_all_dim")
    original = p["original_max_position_embeddings"]
    if factor is None:
        factor = hf.max_position_embeddings / original

    def get_mscale(scale, m=1):
        if scale <= 1:
            return 1.0
        return 0.1 * m * math.log(scale) + 1.0

    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = float(get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim))
        else:
            attention_factor = get_mscale(factor)
    beta_fast = p.get("beta_fast") or 32
    beta_slow = p.get("beta_slow") or 1

    def find_correction_dim(num_rotations):
        return (dim * math.log(original / (num_rotations * 2 * math.pi))) / (2 * math.log(base))

    def find_correction_range(truncate):
        low = find_correction_dim(beta_fast)
        high = find_correction_dim(beta_slow)
        if truncate:
            low = math.floor(low)
            high = math.ceil(high)
        return max(low, 0), min(high, dim - 1)

    def linear_ramp_factor(lo, hi, n):
        if lo == hi:
            hi += 0.001
        return [min(max((i - lo) / (hi - lo), 0.0), 1.0) for i in range(n)]

    pos_freqs = [base ** e for e in _arange_over_dim(dim)]
    low, high = find_correction_range(p.get("truncate", True))
    extrapolation_factor = [1 - r for r in linear_ramp_factor(low, high, dim // 2)]
    inv_freq = [(1.0 / (factor * pf)) * (1 - ef) + (1.0 / pf) * ef
                for pf, ef in zip(pos_freqs, extrapolation_factor)]
    return inv_freq, attention_factor


def compute_longrope(hf, seq_len):
    """_compute_longrope_parameters: factor defaults to M / L; attention_factor to
    sqrt(1 + ln(factor) / ln(L)) (1 when factor <= 1); long_factor iff seq_len > L."""
    p = hf.params
    dim = hf.dim()
    original = p["original_max_position_embeddings"]
    factor = p.get("factor")
    attention_factor = p.get("attention_factor")
    if factor is None:
        factor = hf.max_position_embeddings / original
    if attention_factor is None:
        if factor <= 1.0:
            attention_factor = 1.0
        else:
            attention_factor = math.sqrt(1 + math.log(factor) / math.log(original))
    ext = p["long_factor"] if seq_len and seq_len > original else p["short_factor"]
    base = p["rope_theta"]
    return [1.0 / (x * base ** e) for x, e in zip(ext, _arange_over_dim(dim))], attention_factor


def compute_llama3(hf, seq_len):
    """_compute_llama3_parameters: wavelength bands around L / high_freq_factor and
    L / low_freq_factor with smooth interpolation in between."""
    p = hf.params
    inv_freq, attention = compute_default(hf, seq_len)
    factor = p["factor"]
    low = p["low_freq_factor"]
    high = p["high_freq_factor"]
    old = p["original_max_position_embeddings"]
    low_wavelen = old / low
    high_wavelen = old / high
    out = []
    for f in inv_freq:
        wavelen = 2 * math.pi / f
        scaled = f / factor if wavelen > low_wavelen else f
        if not wavelen < high_wavelen and not wavelen > low_wavelen:
            smooth = (old / wavelen - low) / (high - low)
            scaled = (1 - smooth) * scaled / factor + smooth * scaled
        out.append(scaled)
    return out, attention


ROPE_INIT_FUNCTIONS = {
    "default": compute_default,
    "linear": compute_linear,
    "dynamic": compute_dynamic,
    "yarn": compute_yarn,
    "longrope": compute_longrope,
    "llama3": compute_llama3,
}


# ---- the comparison ------------------------------------------------------------------------
def run_show(path, seq_len):
    command = [BIN, "--log-level", "error", "rope", "show", "--config", path, "--json"]
    if seq_len is not None:
        command += ["--seq-len", str(seq_len)]
    result = subprocess.run(command, capture_output=True, text=True)
    return result


def close(a, b):
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b), 1e-300)


def check(path, config, seq_len, failures):
    hf = Hf(config)
    effective = hf.max_position_embeddings if seq_len is None else seq_len  # CLI default: M
    want_inv, want_att = ROPE_INIT_FUNCTIONS[hf.params["rope_type"]](hf, effective)
    result = run_show(path, seq_len)
    label = f"{os.path.basename(path)} seq_len={seq_len}"
    if result.returncode != 0:
        failures.append(f"{label}: exit {result.returncode}: {result.stderr.strip()}")
        return
    got = json.loads(result.stdout)
    if got["rope_type"] not in (hf.params["rope_type"], "longrope2"):
        failures.append(f"{label}: rope_type {got['rope_type']} != {hf.params['rope_type']}")
    if len(got["inv_freq"]) != len(want_inv):
        failures.append(f"{label}: {len(got['inv_freq'])} frequencies, expected {len(want_inv)}")
        return
    for i, (g, w) in enumerate(zip(got["inv_freq"], want_inv)):
        if not close(g, w):
            failures.append(f"{label}: inv_freq[{i}] = {g!r}, transformers gives {w!r}")
    if not close(got["attention_scaling"], want_att):
        failures.append(f"{label}: attention_scaling {got['attention_scaling']!r} != {want_att!r}")


def seq_lens_for(config):
    hf = Hf(config)
    m = hf.max_position_embeddings
    original = hf.params.get("original_max_position_embeddings") or m
    return [None, 1, original - 1, original, original + 1, m, 2 * m + 5]


def random_factors(rng, n, top):
    values = sorted(rng.uniform(1.0, top) for _ in range(n))
    return [1 if rng.random() < 0.1 else v for v in values]  # an int 1 now and then


def random_config(rng):
    kind = rng.choice(["default", "linear", "dynamic", "yarn", "yarn", "longrope", "longrope",
                       "longrope", "llama3"])
    heads = rng.choice([8, 16, 32])
    head_dim = rng.choice([32, 64, 96, 128])
    original = rng.choice([2048, 4096, 8192])
    factor = rng.choice([2, 4.0, 8, 16.0, 32.0, 2.5, 40])
    model = {"hidden_size": heads * head_dim, "num_attention_heads": heads,
             "max_position_embeddings": int(original * factor)}
    if rng.random() < 0.3:
        model["head_dim"] = head_dim
        model["hidden_size"] = heads * head_dim * 2 if rng.random() < 0.5 else model["hidden_size"]
    prf = rng.choice([1.0, 1.0, 0.75, 0.5]) if kind != "llama3" else 1.0
    if prf != 1.0:
        model["partial_rotary_factor"] = prf
    dim = int(head_dim * prf)
    theta = rng.choice([10000.0, 500000.0, 1000000.0, 150000, 1e8])
    params = {"rope_type": kind}
    if kind in ("linear", "dynamic"):
        params["factor"] = factor
    elif kind == "yarn":
        params["factor"] = factor
        params["original_max_position_embeddings"] = original
        if rng.random() < 0.6:
            params["beta_fast"] = rng.choice([32, 4.0, 16.0, 64])
            params["beta_slow"] = rng.choice([1, 1.0, 2.0, 0.5])
        choice = rng.random()
        if choice < 0.25:
            params["mscale"] = rng.choice([0.707, 1.0, 2.0])
            params["mscale_all_dim"] = rng.choice([0.707, 1.0, 0.0, 0.5])
        elif choice < 0.4:
            params["attention_factor"] = rng.uniform(1.0, 1.5)
        if rng.random() < 0.3:
            params["truncate"] = False
    elif kind == "llama3":
        params.update(factor=factor, low_freq_factor=rng.choice([1.0, 2.0]),
                      high_freq_factor=rng.choice([4.0, 8.0]),
                      original_max_position_embeddings=original)
    elif kind == "longrope":
        params["short_factor"] = random_factors(rng, dim // 2, 1.5)
        params["long_factor"] = random_factors(rng, dim // 2, 2 * factor)
        if rng.random() < 0.5:
            model["original_max_position_embeddings"] = original  # Phi-3 style
        else:
            params["original_max_position_embeddings"] = original
        if rng.random() < 0.4:
            params["factor"] = float(factor)
        if rng.random() < 0.2:
            params["attention_factor"] = rng.uniform(1.0, 1.4)
        if rng.random() < 0.2:
            params["type"] = "su"
            del params["rope_type"]
    if rng.random() < 0.5:  # transformers 4.x spelling
        model["rope_theta"] = theta
        if kind != "default" or rng.random() < 0.5:
            model["rope_scaling"] = params
    else:  # transformers 5.x spelling
        params["rope_theta"] = theta
        model["rope_parameters"] = params
    if rng.random() < 0.2:
        return {"model_type": "wrapper", "text_config": model}
    return model


def main():
    failures = []
    checked = 0
    for name in sorted(os.listdir(FIXTURES)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(FIXTURES, name)
        with open(path) as f:
            config = json.load(f)
        if name == "gemma-3-4b-it.json":  # no head_dim, heads or theta: rejected by design
            result = run_show(path, None)
            if result.returncode != 1 or "num_attention_heads" not in result.stderr:
                failures.append(f"{name}: expected exit 1 naming num_attention_heads, got "
                                f"{result.returncode}: {result.stderr.strip()}")
            continue
        for seq_len in seq_lens_for(config):
            check(path, config, seq_len, failures)
            checked += 1

    rng = random.Random(20240607)
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(50):
            config = random_config(rng)
            folder = os.path.join(tmp, f"model{n:02d}")
            os.mkdir(folder)
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump(config, f)
            lens = seq_lens_for(config)
            for seq_len in [lens[0], lens[3], lens[4], rng.randint(1, 3 * lens[5])]:
                check(folder if n % 2 else os.path.join(folder, "config.json"), config, seq_len,
                      failures)
                checked += 1

    for line in failures[:40]:
        print("FAIL", line)
    print(f"{checked} comparisons, {len(failures)} failures")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
