#!/usr/bin/env bash
# `make bench-mpi`: what a distributed fit costs on this machine, and a model of larger jobs.
#  1. Seconds per EM iteration, 1M x 16 (K = 16, full and diag) and the Bernoulli / Poisson
#     families: 1 process x 1 thread, 1 process x 2 threads, mpirun -np 2 x 1 thread
#     (alternating, 3 rounds, medians); an iteration's cost is (fit of 60 iterations - fit of 0)/60
#     from the same start.
#  2. MPI_Allgatherv / MPI_Allreduce latency and bandwidth at -np 2 (Benchmarks/mpi_collectives.c).
#  3. Benchmarks/scaling_model.py on those numbers: time per iteration at 16, 256, 4096 ranks.
# Usage: mpi_bench.sh SINGLE_GMM MPI_GMM OUT_DIR
set -euo pipefail
single=$1 mpi=$2 out=$3
mkdir -p "$out"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
here=$(cd "$(dirname "$0")" && pwd)
mpicc -O2 -std=c11 -o "$dir/collectives" "$here/mpi_collectives.c" -lm
"$single" generate -n 1000000 -d 16 -k 16 --seed 1 -o "$dir/X.npy" > /dev/null
python3 - "$dir" <<'PY'
import sys, numpy as np
d = sys.argv[1]
r = np.random.default_rng(0)
p = r.uniform(0.1, 0.9, size=(16, 64)); z = r.integers(0, 16, 1_000_000)
np.save(f"{d}/B.npy", (r.random((1_000_000, 64)) < p[z]).astype(np.float64))
lam = r.uniform(0.5, 12, size=(16, 16)); z = r.integers(0, 16, 1_000_000)
np.save(f"{d}/P.npy", r.poisson(lam[z]).astype(np.float64))
PY
# Starts once, so every run does the same iterations from the same parameters.
"$single" fit "$dir/X.npy" -k 16 --max-iter 0 --seed 3 -o "$dir/full0.json" -q
"$single" fit "$dir/X.npy" -k 16 --covariance diag --max-iter 0 --seed 3 -o "$dir/diag0.json" -q
"$single" fit "$dir/B.npy" -k 16 --family bernoulli --max-iter 0 --seed 3 -o "$dir/bern0.json" -q
"$single" fit "$dir/P.npy" -k 16 --family poisson --max-iter 0 --seed 3 -o "$dir/pois0.json" -q
python3 - "$single" "$mpi" "$dir" "$out" <<'PY'
import json, os, statistics, subprocess, sys, time
single, mpi, d, out = sys.argv[1:]
cases = {"full/d16/K16": ("X.npy", "full0.json", []), "diag/d16/K16": ("X.npy", "diag0.json", ["--covariance", "diag"]),
         "bernoulli/d64/K16": ("B.npy", "bern0.json", ["--family", "bernoulli"]),
         "poisson/d16/K16": ("P.npy", "pois0.json", ["--family", "poisson"])}
ways = {"1 process x 1 thread": ([single], "1"), "1 process x 2 threads": ([single], "2"),
        "mpirun -np 2 x 1 thread": (["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", mpi], "1")}
def run(prefix, threads, data, start, extra, iters):
    env = dict(os.environ, OMP_NUM_THREADS=threads)
    cmd = prefix + ["fit", f"{d}/{data}", "--init-model", f"{d}/{start}", "--tol", "0", "--max-iter", str(iters),
                    "--threads", threads, "-o", f"{d}/o.json", "-q"] + extra
    t = time.perf_counter(); subprocess.run(cmd, check=True, env=env); return time.perf_counter() - t
results = {}
for case, (data, start, extra) in cases.items():
    times = {w: [] for w in ways}
    for _ in range(3):
        for w, (prefix, threads) in ways.items():
            t60 = run(prefix, threads, data, start, extra, 60)
            t0 = run(prefix, threads, data, start, extra, 0)
            times[w].append((t60 - t0) / 60)
    results[case] = {w: statistics.median(v) for w, v in times.items()}
    print(case, {w: round(v, 4) for w, v in results[case].items()}, flush=True)
json.dump({"seconds_per_iteration": results,
           "per_point_seconds": {c: r["1 process x 1 thread"] / 1e6 for c, r in results.items()}},
          open(f"{out}/mpi_iterations.json", "w"), indent=1)
lines = ["| case (N = 10⁶, K = 16) | " + " | ".join(ways) + " | -np 2 / 2 threads |", "|---" * (len(ways) + 2) + "|"]
for c, r in results.items():
    lines.append(f"| {c} | " + " | ".join(f"{r[w]:.4f} s" for w in ways) + f" | {r['mpirun -np 2 x 1 thread'] / r['1 process x 2 threads']:.2f} |")
open(f"{out}/mpi_iterations.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
mpirun -np 2 --oversubscribe --bind-to none "$dir/collectives" > "$out/mpi_collectives.json"
python3 -c "
import json; c = json.load(open('$out/mpi_collectives.json'))
print('collectives at -np 2: allgatherv alpha %.2e s, beta %.2e B/s; allreduce alpha %.2e s, beta %.2e B/s' % (c['allgatherv_alpha'], c['allgatherv_beta'], c['allreduce_alpha'], c['allreduce_beta']))"
python3 "$here/scaling_model.py" "$out/mpi_collectives.json" "$out/mpi_iterations.json" > "$out/mpi_scaling_model.md"
echo "bench-mpi: tables in $out/mpi_iterations.md and $out/mpi_scaling_model.md"
