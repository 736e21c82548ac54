#!/usr/bin/env python3
"""Truncated EM against exact EM from the same start (`make bench-truncation`).

For each case: `gmm generate` data (means uniform in [-spread, spread]^d), then two fits from
the same k-means++ seeding (same --seed), exact and with --truncate TAU, to convergence
(tol 1e-3): iterations, the median seconds per iteration (from --json-progress), and each
model's exact mean log-likelihood (`gmm score`). The issue's targets: >= 5x faster per
iteration, final mean log-likelihood within 1e-6 relative, iterations within +-1.

    python3 Benchmarks/truncation.py [GMM] [--tau 1e-8] [--cases N,d,K,cov,dtype,spread ...]
"""
import json, os, statistics, subprocess, sys, tempfile

args = sys.argv[1:]
gmm = args[0] if args and not args[0].startswith("--") else ".build/release/gmm"
tau = args[args.index("--tau") + 1] if "--tau" in args else "1e-8"
cases = []
if "--cases" in args:
    i = args.index("--cases") + 1
    while i < len(args) and not args[i].startswith("--"):
        cases.append(args[i].split(","))
        i += 1
if not cases:
    cases = [c.split(",") for c in ["200000,40,512,diag,f64,2", "200000,40,512,diag,f64,10",
                                    "200000,64,128,full,f32,2", "200000,64,128,full,f32,10"]]


def fit(X, k, cov, truncate, out):
    cmd = [gmm, "fit", X, "-k", k, "--covariance", cov, "--init", "k-means++", "--seed", "5", "--max-iter", "300",
           "--json-progress", "-o", out] + (["--truncate", truncate] if truncate else [])
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    steps = [json.loads(l) for l in p.stderr.splitlines() if l.startswith("{")]
    seconds = [s["seconds"] for s in steps if s["iter"] >= 1]
    model = json.load(open(out))
    score = subprocess.run([gmm, "score", out, X], capture_output=True, text=True, check=True).stdout
    ll = float(next(l.split()[-1] for l in score.splitlines() if l.startswith("mean log-likelihood")))
    return model["n_iter"], statistics.median(seconds), ll, model["lower_bound"]


print(f"τ = {tau}; fits from the same k-means++ start (seed 5) to tol 1e-3")
print("| N × d, K, covariance, dtype, spread | exact: iterations, s/iter | truncated: iterations, s/iter | speed-up | exact score | truncated score | relative difference |")
print("|---|---|---|---:|---:|---:|---:|")
with tempfile.TemporaryDirectory() as tmp:
    for n, d, k, cov, dtype, spread in cases:
        X = os.path.join(tmp, "X.npy")
        subprocess.run([gmm, "generate", "-n", n, "-d", d, "-k", k, "--seed", "3", "--spread", spread, "-o", X]
                       + (["--float32"] if dtype == "f32" else []), capture_output=True, check=True)
        ie, se, le, _ = fit(X, k, cov, None, os.path.join(tmp, "exact.json"))
        it, st, lt, _ = fit(X, k, cov, tau, os.path.join(tmp, "trunc.json"))
        print(f"| {n} × {d}, K = {k}, {cov}, {dtype}, {spread} | {ie}, {se:.4f} | {it}, {st:.4f} | {se / st:.2f} | "
              f"{le:.10f} | {lt:.10f} | {abs(le - lt) / abs(le):.1e} |", flush=True)
