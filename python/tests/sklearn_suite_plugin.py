"""A pytest plugin that runs scikit-learn's own GaussianMixture tests against swiftgmm: before
the test module is imported, ``sklearn.mixture.GaussianMixture`` becomes
``swiftgmm.GaussianMixture``, so its ``from sklearn.mixture import GaussianMixture`` takes
ours; the test bodies are unchanged.

    pytest -p sklearn_suite_plugin --pyargs sklearn.mixture.tests.test_gaussian_mixture

Tests that call scikit-learn's private helpers (module functions of
sklearn.mixture._gaussian_mixture, or its private methods) test scikit-learn's code, not an
estimator's behaviour; they are deselected here, each with the reason.
"""
import sklearn.mixture

import swiftgmm

PRIVATE = {
    "test_suffstat_sk_full": "calls sklearn's private _estimate_gaussian_covariances_full / _compute_precision_cholesky",
    "test_suffstat_sk_tied": "calls sklearn's private _estimate_gaussian_covariances_tied",
    "test_suffstat_sk_diag": "calls sklearn's private _estimate_gaussian_covariances_diag",
    "test_gaussian_suffstat_sk_spherical": "calls sklearn's private _estimate_gaussian_covariances_spherical",
    "test_compute_log_det_cholesky": "calls sklearn's private _compute_log_det_cholesky",
    "test_gaussian_mixture_log_probabilities": "calls sklearn's private _estimate_log_gaussian_prob",
    "test_gaussian_mixture_estimate_log_prob_resp": "calls the private methods _estimate_log_prob_resp / _estimate_weighted_log_prob",
    "test_gaussian_mixture_all_init_does_not_estimate_gaussian_parameters":
        "monkeypatches sklearn's private _estimate_gaussian_parameters and counts its calls",
    "test_gaussian_mixture_precisions_init": "calls the private method _initialize(X, resp) (an initialization from "
        "responsibilities the caller gives; the engine computes its own) after sklearn's private _estimate_gaussian_parameters",
    "test_gaussian_mixture_array_api_compliance": "array API namespaces (torch, array_api_strict): the engine takes numpy arrays",
    "test_gaussian_mixture_raises_where_array_api_not_implemented": "array API dispatch",
}


def pytest_configure(config):
    sklearn.mixture.GaussianMixture = swiftgmm.GaussianMixture


def pytest_collection_modifyitems(config, items):
    kept, dropped = [], []
    for item in items:
        (dropped if item.originalname in PRIVATE else kept).append(item)
    items[:] = kept
    config.hook.pytest_deselected(items=dropped)
