#!/usr/bin/env bash
# `make mpi-test`: fits under `mpirun -np 1, 2, 3` must write the single-process model file,
# byte for byte (Gaussian defaults, a random seed shared by the ranks, a Poisson family, .npy
# shards of which each rank reads only its rows); a bad value or a bad shard must stop every
# rank with one line naming the rank and file, exit 1, no output; a killed rank must not leave
# the others hanging; SIGTERM to mpirun stops with a checkpoint that resumes to the same model.
# Usage: run.sh SINGLE_GMM MPI_GMM
set -euo pipefail
single=$1 mpi=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
# As root, Open MPI needs these; 2 cores, so ranks may outnumber them.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
run() { timeout 300 mpirun -np "$1" --oversubscribe "${@:2}"; }
"$single" generate -n 200000 -d 8 -k 6 --seed 3 -o X.npy > /dev/null
"$single" fit X.npy -k 6 --seed 5 -o single.json -q
for np in 1 2 3; do
  run "$np" "$mpi" fit X.npy -k 6 --seed 5 -o "mpi$np.json" -q
  cmp single.json "mpi$np.json"
  echo "mpi-test: -np $np: the single-process model, byte for byte"
done
"$single" fit X.npy -k 6 --covariance diag --n-init 2 --seed 9 --max-iter 12 --tol 0 -o diag.json -q
run 3 "$mpi" fit X.npy -k 6 --covariance diag --n-init 2 --seed 9 --max-iter 12 --tol 0 -o diag3.json -q
cmp diag.json diag3.json && echo "mpi-test: diag, 2 starts, -np 3: identical"
"$single" select X.npy -k 4...7 --covariance full,diag --seed 2 -o sel.json -q > sel.txt
run 2 "$mpi" select X.npy -k 4...7 --covariance full,diag --seed 2 -o sel2.json -q > sel2.txt
cmp sel.json sel2.json && cmp sel.txt sel2.txt && echo "mpi-test: select over 8 candidates, -np 2: the same ranking and best model"
python3 -c "
import numpy as np
r = np.random.default_rng(0)
np.save('p.npy', r.poisson([[1, 8, 3]] * 30000 + [[7, 1, 2]] * 30000).astype(float))
np.save('bad.npy', np.array([[0.0, 1], [0.5, 2]]))"
"$single" fit p.npy --family poisson -k 2 --seed 2 -o ps.json -q
run 3 "$mpi" fit p.npy --family poisson -k 2 --seed 2 -o pm.json -q
cmp ps.json pm.json && echo "mpi-test: poisson, -np 3: identical"
run 2 "$mpi" fit X.npy -k 6 -o random.json -q  # no --seed: rank 0's random seed is shared
run 2 "$mpi" fit X.npy -k 6 --seed "$(python3 -c "import json; print(json.load(open('random.json'))['seed'])")" -o again.json -q
cmp random.json again.json && echo "mpi-test: a random seed is shared by the ranks"
# SIGTERM to mpirun: every rank stops after the same iteration, rank 0 saves the checkpoint,
# no model is written; resuming under mpirun ends with the single-process model.
fit=(fit X.npy -k 6 --seed 7 --tol 0 --max-iter 1500 --checkpoint c.json --checkpoint-every 1000)
mpirun -np 2 --oversubscribe "$mpi" "${fit[@]}" --json-progress -o stopped.json 2> progress.txt & pid=$!
# (SIGTERM once EM is iterating, however slow the machine: rank 0 reports iteration 2)
for _ in $(seq 600); do grep -q '"iter":2,' progress.txt 2>/dev/null && break; sleep 0.1; done
kill -TERM "$pid"
if wait "$pid"; then echo "mpi-test: the interrupted job exited 0" >&2; exit 1; fi
if [ ! -e c.json ] || [ -e stopped.json ]; then echo "mpi-test: no checkpoint, or a model, after SIGTERM" >&2; exit 1; fi
at=$(python3 -c "import json; print(json.load(open('c.json'))['current']['n_iter'])")
run 2 "$mpi" "${fit[@]}" -q -o resumed.json --resume c.json
"$single" "${fit[@]}" -q -o whole.json
cmp whole.json resumed.json && echo "mpi-test: SIGTERM after iteration $at: checkpoint, then resumed to the single-process model byte for byte"
if run 2 "$mpi" fit bad.npy --family bernoulli -k 1 -o b.json > out.txt 2> err.txt; then
  echo "mpi-test: a bad value did not fail" >&2; exit 1
fi
grep -q "gmm: error: bad.npy: Input X contains 2.0 at row 1, column 1: Bernoulli data must lie in \[0, 1\]. (rank" err.txt
[ ! -e b.json ] && echo "mpi-test: a bad value stops every rank, names the rank, writes nothing"

# Shards: each rank reads only its rows (the rest of its address space is never backed), from
# whichever files hold them; the model is the single-process fit of the concatenated data.
python3 -c "
import numpy as np
X = np.load('X.npy')
cuts = [0, 33333, 70000, 70001, 150000, 200000]  # uneven, one single-row shard
for i in range(5): np.save('part-%02d.npy' % i, X[cuts[i]:cuts[i + 1]])
for i in range(3): np.save('f32-%d.npy' % i, X[i * 70000:(i + 1) * 70000].astype(np.float32))
np.save('f32.npy', X.astype(np.float32))
Y = X.copy(); Y[150007, 2] = np.inf
np.save('bad-0.npy', Y[:100000]); np.save('bad-1.npy', Y[100000:])
np.save('mixed-0.npy', X[:1000]); np.save('mixed-1.npy', X[1000:].astype(np.float32))"
for np in 1 2 3; do
  run "$np" "$mpi" fit --shards 'part-*.npy' -k 6 --seed 5 -o "shards$np.json" -q
  cmp single.json "shards$np.json"
done
echo "mpi-test: --shards (5 uneven files), -np 1, 2, 3: the single-process model of the whole file, byte for byte"
"$single" fit f32.npy -k 6 --init random-from-data --covariance tied --seed 4 -o f32.json -q
run 3 "$mpi" fit --shards 'f32-*.npy' -k 6 --init random-from-data --covariance tied --seed 4 -o f32m.json -q
cmp f32.json f32m.json && echo "mpi-test: float32 shards, random-from-data, tied, -np 3: identical"
run 2 "$mpi" select --shards 'part-*.npy' -k 4...7 --covariance full,diag --seed 2 -o sel-sh.json -q > sel-sh.txt
cmp sel.json sel-sh.json && cmp sel.txt sel-sh.txt && echo "mpi-test: select over shards, -np 2: the same ranking and best model"
if run 3 "$mpi" fit --shards 'bad-*.npy' -k 2 -o b.json > out.txt 2> err.txt; then echo "mpi-test: a bad shard did not fail" >&2; exit 1; fi
grep -Eq "^gmm: error: bad-1.npy: Input X contains infinity at row 50007, column 2. \(rank [0-2] of 3\)$" err.txt
[ ! -e b.json ] && echo "mpi-test: infinity in a shard: every rank stops, one line names the shard, its row and the rank"
if run 2 "$mpi" fit --shards 'mixed-*.npy' -k 2 -o b.json > out.txt 2> err.txt; then echo "mpi-test: mixed dtypes did not fail" >&2; exit 1; fi
grep -q "^gmm: error: mixed-1.npy: dtype <f4 differs from mixed-0.npy's <f8 (all shards must have one dtype) (rank" err.txt
[ ! -e b.json ] && echo "mpi-test: shards of two dtypes: refused, naming the shard"
# float32 counts in shards (their scales' rows come from the ranks that hold them).
python3 -c "
import numpy as np
P = np.load('p.npy').astype(np.float32)
np.save('p32.npy', P); np.save('p32-0.npy', P[:25000]); np.save('p32-1.npy', P[25000:])"
"$single" fit p32.npy --family poisson -k 2 --seed 2 -o p32.json -q
run 3 "$mpi" fit --shards 'p32-*.npy' --family poisson -k 2 --seed 2 -o p32m.json -q
cmp p32.json p32m.json && echo "mpi-test: float32 Poisson shards, -np 3: identical"
# Ranks that see different data (here: another dtype under the same names) all stop.
mkdir -p r0 r1 && cp part-0[01].npy r0/ && python3 -c "
import numpy as np
for i in range(2): np.save('r1/part-0%d.npy' % i, np.load('part-0%d.npy' % i).astype(np.float32))"
if timeout 300 mpirun --oversubscribe -np 1 --wdir r0 "$mpi" fit --shards 'part-*.npy' -k 2 -o m.json : -np 1 --wdir r1 "$mpi" fit --shards 'part-*.npy' -k 2 -o m.json > out.txt 2> err.txt; then
  echo "mpi-test: ranks with different data did not fail" >&2; exit 1
fi
grep -q "part-\*.npy: rank 1 sees 2 file(s) of 70000 x 8 float32, rank 0 sees 2 file(s) of 70000 x 8 float64: every rank must see the same data" err.txt
[ ! -e r0/m.json ] && [ ! -e r1/m.json ] && echo "mpi-test: ranks that see other data (a dtype) stop, naming it"
# A rank killed mid-fit: mpirun stops the others; nothing is written, nothing is left running.
mpirun -np 3 --oversubscribe "$mpi" fit --shards 'part-*.npy' -k 6 --tol 0 --max-iter 100000 -o killed.json -q > /dev/null 2>&1 & pid=$!
sleep 3
pkill -KILL -n -f "$mpi fit --shards part-" || true
start=$SECONDS
if wait "$pid"; then echo "mpi-test: the job with a killed rank exited 0" >&2; exit 1; fi
if [ -e killed.json ] || pgrep -f "$mpi fit --shards part-" > /dev/null; then echo "mpi-test: a killed rank left output or ranks behind" >&2; exit 1; fi
echo "mpi-test: a rank killed with SIGKILL: the job ended in $((SECONDS - start)) s, non-zero, no output, no rank left"
