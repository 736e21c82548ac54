#!/usr/bin/env python3
"""`make compare`, discrete families: swift-gmm beside R's flexmix (FLXMCmvbinary for
Bernoulli mixtures, FLXMCmvpois for Poisson mixtures) on the same data from the same start.

The start: parameters drawn from the data (seeded); their E-step's posteriors are flexmix's
`cluster` argument, so flexmix's first M-step gives the parameters of our first iteration and
both run the same EM. flexmix reports the log-likelihood of its last parameters; ours is the
score of our model after as many iterations (`gmm score`). Both run plain maximum likelihood
(our --pseudo-count 0, flexmix's minprior 0). Seconds per iteration: ours the median of the
fit's per-iteration times; flexmix's the whole EM call over its iterations (R runs one thread).
Useful GFLOP/s counts the two products an iteration needs (E-step A·x and statistics Γᵀ·X:
2·N·K·D FMAs, 4·N·K·D flops), against the FMA peak measured in the same run.

    compare_flexmix.py [SCALE]     SCALE 1 = the issue's N = 1,000,000 (default); 0.1 for a quick run
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GMM = os.environ.get("GMM", os.path.join(HERE, "..", ".build", "release", "gmm"))
BENCH = os.path.join(HERE, "..", ".build", "release", "gmm-bench")
OURS_ITERATIONS = int(os.environ.get("COMPARE_ITERATIONS", "20"))
FLEXMIX_ITERATIONS = int(os.environ.get("FLEXMIX_ITERATIONS", "5"))

R_SCRIPT = r"""
suppressMessages(library(flexmix))
args <- commandArgs(TRUE)
n <- as.integer(args[2]); d <- as.integer(args[3]); k <- as.integer(args[4]); iters <- as.integer(args[5])
X <- matrix(readBin(args[6], "double", n * d), nrow = n, byrow = TRUE)
Z <- matrix(readBin(args[7], "double", n * k), nrow = n, byrow = TRUE)
model <- if (args[1] == "bernoulli") FLXMCmvbinary() else FLXMCmvpois()
t <- system.time(fit <- flexmix(X ~ 1, k = k, model = model, cluster = Z,
                                control = list(iter.max = iters, minprior = 0, tolerance = 0, verbose = 0)))
cat(sprintf('{"seconds": %.6f, "iterations": %d, "loglik": %.17g}\n', t[["elapsed"]], fit@iter, as.numeric(logLik(fit))))
"""


def run(*args, cwd=None):
    return subprocess.run(list(args), cwd=cwd, check=True, capture_output=True, text=True)


def workload(tmp, family, n, d, k, rng):
    """Data from a seeded mixture of the family; a start from K data rows."""
    z = rng.integers(0, k, n)
    if family == "bernoulli":
        params = rng.uniform(0.05, 0.95, (k, d))
        X = (rng.random((n, d)) < params[z]).astype(np.float64)
        start = 0.25 + 0.5 * X[rng.choice(n, k, replace=False)]
    else:
        params = rng.uniform(0.5, 12.0, (k, d))
        X = rng.poisson(params[z]).astype(np.float64)
        start = X[rng.choice(n, k, replace=False)] + 0.5
    weights = np.full(k, 1.0 / k)
    # The start's E-step (in float64, chunked): flexmix's initial posteriors.
    Z = np.empty((n, k))
    for s in range(0, n, 65536):
        x = X[s:s + 65536]
        if family == "bernoulli":
            logp = np.log(weights) + x @ np.log(start).T + (1 - x) @ np.log1p(-start).T
        else:
            logp = np.log(weights) + x @ np.log(start).T - start.sum(1)
        logp -= logp.max(1, keepdims=True)
        p = np.exp(logp)
        Z[s:s + 65536] = p / p.sum(1, keepdims=True)
    np.save(os.path.join(tmp, "X.npy"), X)
    X.tofile(os.path.join(tmp, "X.bin"))
    Z.tofile(os.path.join(tmp, "Z.bin"))
    with open(os.path.join(tmp, "start.json"), "w") as f:
        json.dump({"format": "swift-gmm/1", "family": family, "weights": weights.tolist(), "means": start.tolist()}, f)


def ours(tmp, family, k, iterations):
    fit = run(GMM, "fit", "X.npy", "--family", family, "-k", str(k), "--init-model", "start.json", "--pseudo-count", "0",
              "--tol", "0", "--max-iter", str(iterations), "-o", "ours.json", "--json-progress", cwd=tmp)
    times = [json.loads(line)["seconds"] for line in fit.stderr.splitlines() if line.startswith("{")]
    score = json.loads(run(GMM, "score", "ours.json", "X.npy", "--json", cwd=tmp).stdout)
    return statistics.median(times), score["score"] * score["n_samples"]


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rng = np.random.default_rng(2026)
    peak = float(run(BENCH, "peak").stdout) if os.path.exists(BENCH) else float("nan")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "flexmix.R"), "w") as f:
            f.write(R_SCRIPT)
        for family, n, d, k in [("bernoulli", int(1_000_000 * scale), 64, 16), ("poisson", int(1_000_000 * scale), 16, 16)]:
            print(f"compare_flexmix: {family} {n} x {d}, K={k} …", file=sys.stderr, flush=True)
            workload(tmp, family, n, d, k, rng)
            # Same number of iterations for the log-likelihood check; ours also over more for timing.
            _, ll_same = ours(tmp, family, k, FLEXMIX_ITERATIONS)
            s_ours, _ = ours(tmp, family, k, OURS_ITERATIONS)
            r = json.loads(run("Rscript", os.path.join(tmp, "flexmix.R"), family, str(n), str(d), str(k), str(FLEXMIX_ITERATIONS),
                               os.path.join(tmp, "X.bin"), os.path.join(tmp, "Z.bin")).stdout)
            s_flex = r["seconds"] / max(1, r["iterations"])
            gflops = 4.0 * n * k * d / s_ours / 1e9
            rows.append((family, n, d, k, s_ours, gflops, s_flex, ll_same, r["loglik"], r["iterations"]))
    print(f"FMA peak measured in this run: {peak:.1f} GFLOP/s float64 (2 threads); flexmix {FLEXMIX_ITERATIONS} iterations, "
          f"ours {OURS_ITERATIONS} for timing and {FLEXMIX_ITERATIONS} for the log-likelihood")
    print()
    print("| workload | swift-gmm s/iter | GFLOP/s (% peak) | flexmix s/iter | × faster | log-lik (ours) | (flexmix) | rel. diff |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for family, n, d, k, s, gf, sf, ll, llf, iters in rows:
        rel = abs(ll - llf) / abs(llf)
        worst = max(worst, rel)
        print(f"| {family}, {n:,} x {d}, K={k} | {s:.4f} | {gf:.1f} ({100 * gf / peak:.0f}%) | {sf:.3f} | {sf / s:.0f} | "
              f"{ll:.10g} | {llf:.10g} | {rel:.1e} |")
    print()
    print(f"largest relative difference of final log-likelihoods, ours vs flexmix: {worst:.1e} (limit 1e-8)")
    if not worst <= 1e-8:
        sys.exit("compare_flexmix: the log-likelihoods differ by more than 1e-8")


if __name__ == "__main__":
    main()
