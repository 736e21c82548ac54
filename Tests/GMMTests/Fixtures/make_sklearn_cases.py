#!/usr/bin/env python3
"""Writes sklearn_cases.json: scikit-learn's answers (and the exact ones where its arithmetic is
wrong) for the cases of SklearnCaseTests (run by hand; the output is committed).

    pip install scikit-learn numpy && python3 Tests/GMMTests/Fixtures/make_sklearn_cases.py

Cases
- single_point_components: scikit-learn's test_gaussian_mixture_setting_best_params (issue
  #18216): spherical, reg_covar=0, explicit start, one iteration; two components end on a
  single point. scikit-learn goes on (not converged); its expanded diag/spherical formula
  gives those two variances as round-off (~1e-16); the exact values (centred formula) are
  recorded beside them.
- two_points: X = [[0.5], [3.0]], K = 2, means at the points, variances 1e-4, one iteration,
  every covariance type: each component ends on its own point with variance (10 eps x)^2.
- warm_start: X = [[0],[1],[2],[10],[11],[12]], K = 2, weights [.5,.5], means [[1],[11]],
  variances 1, warm_start=True, max_iter=1 fits chained until converged.
- partial_init: well-separated clusters, every covariance type, given pieces that include the
  means (so the components keep their order), fitted to convergence (tol 1e-10): the final
  parameters do not depend on the k-means details of either library.
"""
import json
from fractions import Fraction
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _estimate_log_gaussian_prob
from scipy.special import logsumexp

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.simplefilter("ignore", ConvergenceWarning)
EPS = np.finfo(float).eps


def exact_variance(resp, X):
    """sum_n resp_n |x_n - mu|^2 / Nk / d with Nk = sum resp + 10 eps, mu = sum resp x / Nk, in
    exact rational arithmetic over the given float values, rounded once."""
    r = [Fraction(float(v)) for v in resp]
    nk = sum(r) + 10 * Fraction(EPS)
    total = Fraction(0)
    for j in range(X.shape[1]):
        x = [Fraction(float(v)) for v in X[:, j]]
        mu = sum(a * b for a, b in zip(r, x)) / nk
        total += sum(a * (b - mu) ** 2 for a, b in zip(r, x)) / nk
    return float(total / X.shape[1])


def single_point_components():
    rnd = np.random.RandomState(0)
    X = rnd.uniform(size=(30, 3))
    means_init = np.array([
        [0.670637869618158, 0.21038256107384043, 0.12892629765485303],
        [0.09394051075844147, 0.5759464955561779, 0.929296197576212],
        [0.5033230372781258, 0.9569852381759425, 0.08654043447295741],
        [0.18578301420435747, 0.5531158970919143, 0.19388943970532435],
        [0.4548589928173794, 0.35182513658825276, 0.568146063202464],
        [0.609279894978321, 0.7929063819678847, 0.9620097270828052]])
    precisions_init = np.array([999999.999604483, 999999.9990869573, 553.7603944542167,
                                204.78596008931834, 15.867423501783637, 85.4595728389735])
    weights_init = np.array([0.03333333333333341, 0.03333333333333341, 0.06666666666666674,
                             0.06666666666666674, 0.7000000000000001, 0.10000000000000007])
    gm = GaussianMixture(covariance_type="spherical", reg_covar=0, means_init=means_init,
                         weights_init=weights_init, random_state=rnd, n_components=6,
                         precisions_init=precisions_init, max_iter=1).fit(X)
    # The exact M-step from these responsibilities, in rational arithmetic: the variances of
    # the single-point components are (10 eps x / Nk)^2-sized, so any float formula that
    # subtracts a rounded mean from x is off by tens of percent.
    log_prob = _estimate_log_gaussian_prob(X, means_init, np.sqrt(precisions_init), "spherical") + np.log(weights_init)
    resp = np.exp(log_prob - logsumexp(log_prob, axis=1)[:, None])
    exact = [exact_variance(resp[:, k], X) for k in range(6)]
    return dict(X=X.ravel().tolist(), means_init=means_init.ravel().tolist(), precisions_init=precisions_init.tolist(),
                weights_init=weights_init.tolist(), converged=bool(gm.converged_), n_iter=int(gm.n_iter_),
                lower_bound=float(gm.lower_bound_), weights=gm.weights_.tolist(), means=gm.means_.ravel().tolist(),
                covariances=gm.covariances_.tolist(), exact_covariances=exact)


def two_points():
    X = np.array([[0.5], [3.0]])
    out = {}
    for t in ["full", "tied", "diag", "spherical"]:
        p = {"full": np.full((2, 1, 1), 1e4), "tied": np.full((1, 1), 1e4), "diag": np.full((2, 1), 1e4), "spherical": np.full(2, 1e4)}[t]
        gm = GaussianMixture(2, covariance_type=t, reg_covar=0, means_init=[[0.5], [3.0]], precisions_init=p,
                             weights_init=[0.5, 0.5], max_iter=1).fit(X)
        out[t] = dict(converged=bool(gm.converged_), n_iter=int(gm.n_iter_), lower_bound=float(gm.lower_bound_),
                      covariances=np.ravel(gm.covariances_).tolist())
    # Exact: each component holds its point with responsibility 1, Nk = 1 + 10 eps.
    out["exact_variances"] = [exact_variance(np.array([1.0, 0.0]), X), exact_variance(np.array([0.0, 1.0]), X)]
    return out


def warm_start():
    X = np.array([[0], [1], [2], [10], [11], [12.0]])
    gm = GaussianMixture(2, warm_start=True, max_iter=1, weights_init=[0.5, 0.5], means_init=[[1], [11]],
                         precisions_init=np.ones((2, 1, 1)))
    chain = []
    for _ in range(4):
        gm.fit(X)
        chain.append(dict(converged=bool(gm.converged_), n_iter=int(gm.n_iter_), lower_bound=float(gm.lower_bound_),
                          means=gm.means_.ravel().tolist(), weights=gm.weights_.tolist()))
    return dict(X=X.ravel().tolist(), chain=chain)


def partial_init():
    rng = np.random.default_rng(12)
    d, k = 2, 3
    centers = np.array([[0.0, 0.0], [12.0, 1.0], [3.0, 14.0]])
    X = np.vstack([rng.multivariate_normal(c, [[1.0, 0.3], [0.3, 0.6]], size=70 + 20 * j) for j, c in enumerate(centers)])
    cases = []
    for t in ["full", "tied", "diag", "spherical"]:
        weights = np.array([0.3, 0.3, 0.4])
        means = centers + np.array([[0.5, -0.4], [-0.3, 0.6], [0.2, 0.2]])
        prec = {"full": np.array([np.eye(d) * (1 + j) for j in range(k)]), "tied": np.eye(d) * 0.8,
                "diag": np.array([[1.0 + j, 0.5] for j in range(k)]), "spherical": np.array([0.7, 1.1, 1.5])}[t]
        for given in [("means",), ("weights", "means"), ("means", "precisions"), ("weights", "means", "precisions")]:
            kwargs = {}
            if "weights" in given: kwargs["weights_init"] = weights
            if "means" in given: kwargs["means_init"] = means
            if "precisions" in given: kwargs["precisions_init"] = prec
            gm = GaussianMixture(k, covariance_type=t, tol=1e-10, max_iter=500, random_state=0, **kwargs).fit(X)
            cases.append(dict(covariance_type=t, given=list(given), weights_init=weights.tolist(),
                              means_init=means.ravel().tolist(), precisions_init=np.ravel(prec).tolist(),
                              converged=bool(gm.converged_), lower_bound=float(gm.lower_bound_),
                              weights=gm.weights_.tolist(), means=gm.means_.ravel().tolist(),
                              covariances=np.ravel(gm.covariances_).tolist()))
    return dict(X=X.ravel().tolist(), n=len(X), d=d, k=k, cases=cases)


def main():
    fixture = dict(sklearn_version=sklearn.__version__, single_point_components=single_point_components(),
                   two_points=two_points(), warm_start=warm_start(), partial_init=partial_init())
    with open(os.path.join(HERE, "sklearn_cases.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
