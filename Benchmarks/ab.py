#!/usr/bin/env python3
"""Paired A/B of two gmm-bench builds: each workload runs old, new, old, new, ... in one
session (the machine's speed drifts +-30 %, so only side-by-side ratios mean anything).

    python3 Benchmarks/ab.py OLD_GMM_BENCH NEW_GMM_BENCH [ROUNDS] [--env K=V ...] [--rows N,d,K,cov,dtype,iters[,tau] ...]

Prints per row the median seconds per iteration of each build, new/old, and whether the
final lower bounds agree bit for bit."""
import json, os, statistics, subprocess, sys

args = sys.argv[1:]
old, new = args[0], args[1]
rounds = int(args[2]) if len(args) > 2 and args[2].isdigit() else 3
env = dict(os.environ)
rows = []
i = 0
while i < len(args):
    if args[i] == "--env":
        k, v = args[i + 1].split("=", 1)
        env[k] = v
        i += 2
    elif args[i] == "--rows":
        i += 1
        while i < len(args) and not args[i].startswith("--"):
            rows.append(args[i].split(","))
            i += 1
    else:
        i += 1
if not rows:
    rows = [r.split(",") for r in ["1000000,16,16,full,f64,10", "1000000,16,16,diag,f64,20", "100000,2,3,full,f64,20",
                                   "1000000,2,16,full,f64,20", "1000000,40,512,diag,f64,3", "1000000,64,128,full,f32,2",
                                   "1000000,16,16,full,f32,10", "100000,64,64,full,f64,5"]]


def run(binary, row):
    n, d, k, cov, dtype, iters = row[:6]
    extra = row[6:7]
    out = subprocess.run([binary, "run", n, d, k, cov, dtype, iters, "1"] + extra, capture_output=True, text=True, env=env, check=True)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    return m["secondsPerIteration"], m["lowerBound"]


print("| row | old s/it | new s/it | new/old | lower bound |")
print("|---|---:|---:|---:|---|")
for row in rows:
    t_old, t_new, lb = [], [], set()
    for _ in range(rounds):
        s, b = run(old, row); t_old.append(s); lb.add(("old", b))
        s, b = run(new, row); t_new.append(s); lb.add(("new", b))
    mo, mn = statistics.median(t_old), statistics.median(t_new)
    bounds = {b for _, b in lb}
    print(f"| {' '.join(row)} | {mo:.4f} | {mn:.4f} | {mn / mo:.2f} | {'same bits' if len(bounds) == 1 else 'differ: ' + ', '.join(repr(b) for b in sorted(bounds))} |", flush=True)
