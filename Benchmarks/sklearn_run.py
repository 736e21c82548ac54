#!/usr/bin/env python3
"""One scikit-learn fit for compare.py: X.npy + init.json (swift-gmm model format) -> JSON on
stdout with the per-iteration seconds (E-step + M-step, from instrumented M-steps), the final
lower bound and the BLAS threadpoolctl reports. Run with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset."""
import json
import sys
import time

import numpy as np
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_info


class Timed(GaussianMixture):
    stamps = []

    def _m_step(self, X, log_resp, xp=None):
        super()._m_step(X, log_resp, xp=xp)
        Timed.stamps.append(time.perf_counter())


def main(x_path, init_path, iterations):
    X = np.load(x_path).astype(np.float64)
    m = json.load(open(init_path))
    kind = m["covariance_type"]
    cov = np.array(m["covariances"])
    precisions = np.linalg.inv(cov) if kind in ("full", "tied") else 1.0 / cov
    gm = Timed(n_components=m["n_components"], covariance_type=kind, tol=0.0, max_iter=iterations,
               reg_covar=1e-6, weights_init=np.array(m["weights"]), means_init=np.array(m["means"]),
               precisions_init=precisions)
    t0 = time.perf_counter()
    Timed.stamps = [t0]
    gm.fit(X)
    per_iteration = list(np.diff(Timed.stamps))
    blas = [{k: v for k, v in p.items() if k in ("internal_api", "num_threads", "architecture", "version")}
            for p in threadpool_info()]
    print(json.dumps({"per_iteration": per_iteration, "lower_bound": float(gm.lower_bound_),
                      "n_iter": int(gm.n_iter_), "blas": blas}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
