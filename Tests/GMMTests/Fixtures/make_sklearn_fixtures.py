#!/usr/bin/env python3
"""Writes scikit-learn parity fixtures for the Swift tests (run by hand; outputs committed).

Each fixture: a seeded dataset, explicit initial parameters (weights_init, means_init,
precisions_init), scikit-learn's GaussianMixture fitted from them with tol=0 and a fixed
max_iter, and its per-iteration lower bounds, final parameters and evaluations.

    pip install scikit-learn numpy && python3 Tests/GMMTests/Fixtures/make_sklearn_fixtures.py
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

HERE = os.path.dirname(os.path.abspath(__file__))


def make_data(rng, n, d, k, spread):
    means = rng.uniform(-spread, spread, size=(k, d))
    labels = rng.integers(0, k, size=n)
    X = np.empty((n, d))
    for j in range(k):
        A = rng.normal(size=(d, d))
        cov = A @ A.T / d + 0.3 * np.eye(d)
        idx = labels == j
        X[idx] = rng.multivariate_normal(means[j], cov, size=idx.sum())
    return X


def initial_parameters(rng, X, k, covariance_type):
    d = X.shape[1]
    weights = rng.uniform(1, 2, size=k)
    weights /= weights.sum()
    means = X[rng.choice(len(X), size=k, replace=False)] + rng.normal(scale=0.1, size=(k, d))
    def random_precision():
        A = rng.normal(size=(d, d))
        return np.linalg.inv(A @ A.T / d + np.eye(d))

    if covariance_type == "full":
        precisions = np.array([random_precision() for _ in range(k)])
    elif covariance_type == "tied":
        precisions = random_precision()
    elif covariance_type == "diag":
        precisions = 1.0 / rng.uniform(0.5, 2.0, size=(k, d))
    else:
        precisions = 1.0 / rng.uniform(0.5, 2.0, size=k)
    return weights, means, precisions


def fit(X, k, covariance_type, max_iter, weights, means, precisions):
    gm = GaussianMixture(
        n_components=k, covariance_type=covariance_type, tol=0.0, max_iter=max_iter,
        reg_covar=1e-6, weights_init=weights, means_init=means, precisions_init=precisions,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(X)
    return gm


def fixture(name, seed, n, d, k, covariance_type, max_iter, spread=4.0, offset=0.0, float32=False):
    """float32=True: the data are rounded to float32 (and stored as their exact float64 values);
    the reference results are scikit-learn's float64 fit on those same values, and its float32
    fit's lower bounds are kept for comparison."""
    rng = np.random.default_rng(seed)
    X = make_data(rng, n, d, k, spread) + offset
    if float32:
        X = X.astype(np.float32).astype(np.float64)
    weights, means, precisions = initial_parameters(rng, X, k, covariance_type)
    gm = fit(X, k, covariance_type, max_iter, weights, means, precisions)
    out = {
        "sklearn_version": sklearn.__version__,
        "float32": float32,
        "covariance_type": covariance_type,
        "n": n, "d": d, "k": k, "tol": 0.0, "reg_covar": 1e-6, "max_iter": max_iter,
        "X": X.ravel().tolist(),
        "weights_init": weights.tolist(),
        "means_init": means.ravel().tolist(),
        "precisions_init": precisions.ravel().tolist(),
        "lower_bounds": [float(v) for v in gm.lower_bounds_],
        "lower_bound": float(gm.lower_bound_),
        "n_iter": int(gm.n_iter_),
        "converged": bool(gm.converged_),
        "weights": gm.weights_.tolist(),
        "means": gm.means_.ravel().tolist(),
        "covariances": gm.covariances_.ravel().tolist(),
        "precisions_cholesky": gm.precisions_cholesky_.ravel().tolist(),
        "score": float(gm.score(X)),
        "score_samples": gm.score_samples(X).tolist(),
        "predict": gm.predict(X).tolist(),
        "bic": float(gm.bic(X)),
        "aic": float(gm.aic(X)),
    }
    if float32:
        gm32 = fit(X.astype(np.float32), k, covariance_type, max_iter, weights.astype(np.float32),
                   means.astype(np.float32), precisions.astype(np.float32))
        out["sklearn_float32_lower_bounds"] = [float(v) for v in gm32.lower_bounds_]
    path = os.path.join(HERE, f"sklearn_{name}.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"{path}: lower bound {gm.lower_bound_:.10f} after {gm.n_iter_} iterations")


if __name__ == "__main__":
    fixture("full_d3_k3", seed=1, n=400, d=3, k=3, covariance_type="full", max_iter=25)
    fixture("full_d5_k4", seed=2, n=300, d=5, k=4, covariance_type="full", max_iter=20, offset=50.0)
    fixture("diag_d4_k3", seed=3, n=400, d=4, k=3, covariance_type="diag", max_iter=25)
    fixture("diag_d2_k5", seed=4, n=300, d=2, k=5, covariance_type="diag", max_iter=20, offset=-20.0)
    fixture("tied_d3_k3", seed=5, n=400, d=3, k=3, covariance_type="tied", max_iter=25)
    fixture("tied_d4_k2", seed=6, n=300, d=4, k=2, covariance_type="tied", max_iter=20, offset=30.0)
    fixture("spherical_d3_k4", seed=7, n=400, d=3, k=4, covariance_type="spherical", max_iter=25)
    fixture("spherical_d2_k3", seed=8, n=300, d=2, k=3, covariance_type="spherical", max_iter=20, offset=-40.0)
    for seed, covariance_type in enumerate(["full", "tied", "diag", "spherical"], start=11):
        fixture(f"{covariance_type}_float32_d3_k3", seed=seed, n=400, d=3, k=3,
                covariance_type=covariance_type, max_iter=20, offset=10.0, float32=True)
