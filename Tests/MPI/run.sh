#!/usr/bin/env bash
# `make mpi-test`: fits under `mpirun -np 1, 2, 3` must write the single-process model file,
# byte for byte (Gaussian defaults, a random seed shared by the ranks, a Poisson family), and
# a bad value must stop every rank with one line naming the rank, exit 1, no output.
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
fit=(fit X.npy -k 6 --seed 7 --tol 0 --max-iter 1500 --checkpoint c.json --checkpoint-every 1000 -q)
mpirun -np 2 --oversubscribe "$mpi" "${fit[@]}" -o stopped.json & pid=$!
sleep 3; kill -TERM "$pid"
if wait "$pid"; then echo "mpi-test: the interrupted job exited 0" >&2; exit 1; fi
if [ ! -e c.json ] || [ -e stopped.json ]; then echo "mpi-test: no checkpoint, or a model, after SIGTERM" >&2; exit 1; fi
at=$(python3 -c "import json; print(json.load(open('c.json'))['current']['n_iter'])")
run 2 "$mpi" "${fit[@]}" -o resumed.json --resume c.json
"$single" "${fit[@]}" -o whole.json
cmp whole.json resumed.json && echo "mpi-test: SIGTERM after iteration $at: checkpoint, then resumed to the single-process model byte for byte"
if run 2 "$mpi" fit bad.npy --family bernoulli -k 1 -o b.json > out.txt 2> err.txt; then
  echo "mpi-test: a bad value did not fail" >&2; exit 1
fi
grep -q "gmm: error: bad.npy: Input X contains 2.0 at row 1, column 1: Bernoulli data must lie in \[0, 1\]. (rank" err.txt
[ ! -e b.json ] && echo "mpi-test: a bad value stops every rank, names the rank, writes nothing"
