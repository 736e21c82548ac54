#!/usr/bin/env python3
"""Intel oneDAL's EM for GMM (PyPI daal4py's em_gmm) on X.npy from the start in init.json, for
`make compare`: prints JSON {"per_iteration": seconds, "lower_bound": mean log-likelihood,
"iterations": n}.

Usage: onedal_run.py X.npy init.json ITERATIONS

oneDAL's compute() runs a whole fit, so the time of one iteration is (t(ITERATIONS) − t(1)) /
(ITERATIONS − 1), each the median of 3 runs: set-up and the first E-step cancel. Its
goalFunction is the data's total log-likelihood at the last iteration's E-step (scikit-learn's
lower_bound_ × N). daal4py's package __init__ fails to import beside scikit-learn ≥ 1.6, so
its compiled module is loaded directly. regularizationFactor = 1e-6 (our reg_covar); oneDAL
applies it only to ill-conditioned covariances, so its trajectory is close to ours, not equal.
"""
import glob
import importlib.util
import json
import os
import statistics
import sys
import time

import numpy as np


def daal():
    roots = [p for p in sys.path if os.path.isdir(os.path.join(p, "daal4py"))]
    paths = [f for r in roots for f in glob.glob(os.path.join(r, "daal4py", "_daal4py*.so"))]
    if not paths:
        raise SystemExit("onedal_run: daal4py is not installed (pip install daal4py)")
    spec = importlib.util.spec_from_file_location("daal4py._daal4py", paths[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    data, start, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
    d4p = daal()
    X = np.ascontiguousarray(np.load(data), dtype=np.float64)
    init = json.load(open(start))
    K, n = len(init["weights"]), X.shape[0]
    diagonal = init.get("covariance_type") == "diag"
    weights = np.array(init["weights"], dtype=np.float64).reshape(1, K)
    means = np.array(init["means"], dtype=np.float64)
    covariances = [np.array(c, dtype=np.float64).reshape(1, -1) if diagonal else np.array(c, dtype=np.float64)
                   for c in init["covariances"]]

    def run(count):
        algorithm = d4p.em_gmm(nComponents=K, maxIterations=count, accuracyThreshold=0.0, regularizationFactor=1e-6,
                               covarianceStorage="diagonal" if diagonal else "full")
        t = time.perf_counter()
        result = algorithm.compute(X, weights, means, covariances)
        return time.perf_counter() - t, result

    one = statistics.median(run(1)[0] for _ in range(3))
    runs = [run(iterations) for _ in range(3)]
    whole = statistics.median(t for t, _ in runs)
    result = runs[0][1]
    print(json.dumps({"per_iteration": (whole - one) / max(1, iterations - 1),
                      "lower_bound": float(np.asarray(result.goalFunction).ravel()[0]) / n,
                      "iterations": int(np.asarray(result.nIterations).ravel()[0])}))


if __name__ == "__main__":
    main()
