"""swiftgmm: scikit-learn's GaussianMixture, fitted by swift-gmm's engine (libgmm).

    from swiftgmm import GaussianMixture
    gm = GaussianMixture(n_components=3, random_state=0).fit(X)
    gm.predict(X); gm.score_samples(X); gm.bic(X)

The estimator follows scikit-learn's contract (get_params/set_params, clone, Pipeline,
GridSearchCV, pickling) with the same parameters, attributes and messages.
"""
from ._gaussian_mixture import GaussianMixture
from ._native import version as __engine_version__

__version__ = "0.1.0"
__all__ = ["GaussianMixture"]
