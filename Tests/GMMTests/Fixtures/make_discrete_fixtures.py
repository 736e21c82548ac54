"""Independent float64 NumPy EM for Bernoulli, categorical and Poisson mixtures, written from
the formulas (not from swift-gmm's code), for DiscreteParityTests.

For each family: seeded data from a known mixture, an explicit start, and 25 EM iterations
with the same M-step conventions (N_k = sum_n gamma_nk + 10 eps; pseudo-count alpha:
Bernoulli (S + a) / (N + 2a), categorical (S + a) / sum_c (S + a), Poisson (S + a) / (N + a)).
Writes discrete_<family>.json with the data, the start, every iteration's mean log-likelihood
(the E-step's, scikit-learn's lower_bound_) and the final parameters.

    python3 make_discrete_fixtures.py        (numpy and scipy)
"""
import json
import os

import numpy as np
from scipy.special import gammaln, logsumexp

EPS10 = 10 * np.finfo(float).eps
HERE = os.path.dirname(os.path.abspath(__file__))


def log_densities(family, X, weights, params, categories):
    if family == "bernoulli":
        mu = params
        return np.log(weights) + X @ np.log(mu).T + (1 - X) @ np.log1p(-mu).T
    if family == "poisson":
        lam = params
        return np.log(weights) + X @ np.log(lam).T - lam.sum(1) - gammaln(X + 1).sum(1, keepdims=True)
    offsets = np.concatenate([[0], np.cumsum(categories)])
    out = np.tile(np.log(weights), (len(X), 1))
    for i in range(X.shape[1]):
        out += np.log(params[:, offsets[i] + X[:, i].astype(int)]).T
    return out


def m_step(family, X, resp, alpha, categories):
    nk = resp.sum(0) + EPS10
    weights = nk / nk.sum()
    if family == "bernoulli":
        return weights, (resp.T @ X + alpha) / (nk[:, None] + 2 * alpha)
    if family == "poisson":
        return weights, (resp.T @ X + alpha) / (nk[:, None] + alpha)
    blocks = []
    for i, c in enumerate(categories):
        onehot = np.eye(c)[X[:, i].astype(int)]
        s = resp.T @ onehot + alpha
        blocks.append(s / s.sum(1, keepdims=True))
    return weights, np.hstack(blocks)


def run(family, X, weights, params, alpha, categories, iterations=25):
    bounds = []
    for _ in range(iterations):
        logp = log_densities(family, X, weights, params, categories)
        norm = logsumexp(logp, axis=1)
        bounds.append(float(norm.mean()))
        weights, params = m_step(family, X, np.exp(logp - norm[:, None]), alpha, categories)
    return bounds, weights, params


def main():
    rng = np.random.default_rng(2026)
    n, K = 400, 3
    z = rng.choice(K, n, p=[0.5, 0.3, 0.2])
    cases = {}
    mu = rng.uniform(0.05, 0.95, (K, 5))
    cases["bernoulli"] = ((rng.random((n, 5)) < mu[z]).astype(float), 0.5, [])
    lam = rng.uniform(0.3, 12, (K, 4))
    cases["poisson"] = (rng.poisson(lam[z]).astype(float), 0.0, [])
    categories = [3, 2, 4]
    theta = [rng.dirichlet(np.ones(c), K) for c in categories]
    codes = np.stack([[rng.choice(c, p=theta[i][z[r]]) for r in range(n)] for i, c in enumerate(categories)], 1)
    cases["categorical"] = (codes.astype(float), 0.1, categories)
    for family, (X, alpha, cats) in cases.items():
        weights = np.array([0.4, 0.35, 0.25])
        rows = X[[0, 1, 2]]
        if family == "categorical":
            start = np.hstack([0.5 * np.eye(c)[rows[:, i].astype(int)] + 0.5 / c for i, c in enumerate(cats)])
        elif family == "bernoulli":
            start = 0.25 + 0.5 * rows
        else:
            start = rows + 0.5
        bounds, w, params = run(family, X, weights, start, alpha, cats)
        assert all(b >= a - 1e-12 * abs(a) for a, b in zip(bounds, bounds[1:])), family
        with open(os.path.join(HERE, f"discrete_{family}.json"), "w") as f:
            json.dump({"family": family, "n": n, "d": X.shape[1], "k": K, "pseudo_count": alpha, "categories": cats,
                       "X": X.ravel().tolist(), "weights_init": weights.tolist(), "means_init": start.ravel().tolist(),
                       "lower_bounds": bounds, "weights": w.tolist(), "means": params.ravel().tolist()}, f)


if __name__ == "__main__":
    main()
