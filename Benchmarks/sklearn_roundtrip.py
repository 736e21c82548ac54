#!/usr/bin/env python3
"""Round trip: models fitted by the `gmm` CLI, loaded into scikit-learn from their JSON fields,
must give the same score (mean log-likelihood) as `gmm score`, to 1e-10 relative.

    make roundtrip        (builds gmm, installs scikit-learn with pip if missing, runs this)
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.mixture import GaussianMixture

GMM = os.environ.get("GMM", os.path.join(os.path.dirname(__file__), "..", ".build", "release", "gmm"))


def run(*args, cwd):
    return subprocess.run([GMM, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def sklearn_model(path):
    m = json.load(open(path))
    gm = GaussianMixture(n_components=m["n_components"], covariance_type=m["covariance_type"])
    gm.weights_ = np.array(m["weights"])
    gm.means_ = np.array(m["means"])
    gm.covariances_ = np.array(m["covariances"])
    gm.precisions_cholesky_ = np.array(m["precisions_cholesky"])
    gm.converged_, gm.n_iter_, gm.lower_bound_ = m["converged"], m["n_iter"], m["lower_bound"]
    gm.n_features_in_ = m["n_features"]
    return gm


def main():
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for float32 in (False, True):
            args = ["generate", "-n", "50000", "-d", "5", "-k", "4", "--seed", "11", "-o", "X.npy"]
            run(*(args + (["--float32"] if float32 else [])), cwd=tmp)
            X = np.load(os.path.join(tmp, "X.npy")).astype(np.float64)
            for covariance in ("full", "tied", "diag", "spherical"):
                run("fit", "X.npy", "-k", "4", "--covariance", covariance, "--seed", "3", "-o", "m.json", "-q", cwd=tmp)
                ours = json.loads(run("score", "m.json", "X.npy", "--json", cwd=tmp))["score"]
                theirs = sklearn_model(os.path.join(tmp, "m.json")).score(X)
                rel = abs(ours - theirs) / max(abs(ours), abs(theirs), 1.0)
                worst = max(worst, rel)
                print(f"{'float32' if float32 else 'float64'} {covariance:9s} gmm score {ours:.15f}  "
                      f"scikit-learn {theirs:.15f}  relative difference {rel:.2e}")
    print(f"worst relative difference {worst:.2e} (limit 1e-10)")
    sys.exit(0 if worst <= 1e-10 else 1)




if __name__ == "__main__":
    main()
