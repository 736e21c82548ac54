"""swiftgmm: scikit-learn's GaussianMixture, and Bernoulli, categorical and Poisson mixtures
with its conventions, fitted by swift-gmm's engine (libgmm).

    from swiftgmm import GaussianMixture, BernoulliMixture
    gm = GaussianMixture(n_components=3, random_state=0).fit(X)
    gm.predict(X); gm.score_samples(X); gm.bic(X)
    bm = BernoulliMixture(n_components=10, n_init=5, random_state=0).fit(binary_X)

The estimators follow scikit-learn's contract (get_params/set_params, clone, Pipeline,
GridSearchCV, pickling) with GaussianMixture's parameters, attributes and messages.
"""
from ._discrete_mixture import BernoulliMixture, CategoricalMixture, PoissonMixture
from ._gaussian_mixture import GaussianMixture
from ._native import version as __engine_version__

__version__ = "0.1.0"
__all__ = ["GaussianMixture", "BernoulliMixture", "CategoricalMixture", "PoissonMixture"]
