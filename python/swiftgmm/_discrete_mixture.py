"""swiftgmm.BernoulliMixture, CategoricalMixture and PoissonMixture: mixtures of independent
Bernoulli, categorical or Poisson features, fitted by swift-gmm's engine (the same EM loop,
restarts, checkpoints and fused passes as GaussianMixture), with GaussianMixture's conventions.

Formulas (features independent given the component; gmm.h and the README give the details):
    Bernoulli    log p(x | k) = sum_i x_i log mu_ki + (1 - x_i) log(1 - mu_ki)
    categorical  log p(x | k) = sum_i log theta_ki[x_i]
    Poisson      log p(x | k) = sum_i x_i log lambda_ki - lambda_ki - log x_i!
M-step with N_k = sum w gamma + 10 eps, S = sum w gamma x and the pseudo-count a:
    Bernoulli mu = (S + a) / (N_k + 2a), categorical theta = (S + a) / sum_c (S_c + a),
    Poisson lambda = (S + a) / (N_k + a); a = 0 is maximum likelihood.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from . import _native
from ._base import _SHARED_CONSTRAINTS, _EngineMixture, _check_shape

_COMMON_CONSTRAINTS = {**_SHARED_CONSTRAINTS, "pseudo_count": [Interval(Real, 0.0, None, closed="left")]}


class _DiscreteMixture(_EngineMixture):
    _family = None

    def _configure_family(self, e, k, d):
        e.call("gmm_set_family", self._family.encode())
        e.call("gmm_set_pseudo_count", float(self.pseudo_count))
        start = self._start_values(k, d)
        if start is not None:
            weights, means = start
            e.call("gmm_set_weights_init", _native.f64_pointer(weights), k)
            e.call("gmm_set_means_init", _native.f64_pointer(means), k, means.shape[1])
            self._keep += [weights, means]

    def _start_values(self, k, d):
        """(weights, K x D values) of an explicit start, or None."""
        if self.weights_init is None and self._given_values() is None:
            return None
        if self.weights_init is None or self._given_values() is None:
            raise ValueError(f"{type(self).__name__} starts from weights_init and {self._values_name} together.")
        w = np.ascontiguousarray(np.asarray(self.weights_init, dtype=np.float64))
        _check_shape(w, (k,), "weights")
        return w, self._given_matrix(k, d)

    def _set_fitted(self, model, dtype):
        self._model = model
        k, d, _ = model.shape()
        D = model.coded_features()
        self.weights_ = model.array("gmm_model_weights", k).astype(dtype, copy=False)
        self._set_values(model.array("gmm_model_means", k * D).reshape(k, D), model, d, dtype)
        self._set_fit_result(model, dtype)

    def _synced_attributes(self):
        return (self.weights_, self._values_matrix())

    def _load_attributes(self, model):
        weights = np.asarray(self.weights_, dtype=np.float64)
        model.set_discrete(self._family, weights / weights.sum(), self._values_matrix(), self._categories_or_none())

    def _native_parameters(self, model):
        k, _, _ = model.shape()
        return (model.array("gmm_model_weights", k), model.array("gmm_model_means", k * model.coded_features()).reshape(k, -1))

    def _load_parameters(self, model, parameters):
        model.set_discrete(self._family, parameters[0], parameters[1], self._categories_or_none())

    def _categories_or_none(self):
        return None

    def _output_dtype(self, X):
        return np.result_type(X.dtype, np.asarray(self.weights_).dtype)

    def _sample_width(self):
        return self._values_matrix().shape[1]


class _MeansMixture(_DiscreteMixture):
    """Bernoulli and Poisson: one probability or rate per component and feature (means_)."""
    _values_name = "means_init"
    _parameter_constraints: dict = {**_COMMON_CONSTRAINTS, "means_init": ["array-like", None]}

    def __init__(self, n_components=1, *, tol=1e-3, pseudo_count=1e-6, max_iter=100, n_init=1, init_params="kmeans",
                 weights_init=None, means_init=None, random_state=None, warm_start=False, verbose=0, verbose_interval=10,
                 threads=None, on_degenerate="fail", checkpoint=None, checkpoint_every=10):
        self.n_components = n_components
        self.tol = tol
        self.pseudo_count = pseudo_count
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.threads = threads
        self.on_degenerate = on_degenerate
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every

    def _given_values(self):
        return self.means_init

    def _given_matrix(self, k, d):
        m = np.ascontiguousarray(np.asarray(self.means_init, dtype=np.float64))
        _check_shape(m, (k, d), "means")
        return m

    def _set_values(self, values, model, d, dtype):
        self.means_ = values.astype(dtype, copy=False)

    def _values_matrix(self):
        return self.means_

    def _n_parameters(self):
        k, d = np.shape(self.means_)
        return int(k * d + k - 1)


class BernoulliMixture(_MeansMixture):
    """Mixture of independent Bernoulli features, fitted by EM in swift-gmm's engine.

    X holds values in [0, 1] (0/1 data; fractions act as soft counts), shape (n_samples,
    n_features), float64 or float32 (read in place). Fitted attributes: ``weights_`` (K,),
    ``means_`` (K, n_features; the probabilities mu_ki of a 1), ``converged_``, ``n_iter_``,
    ``lower_bound_``, ``lower_bounds_``, ``n_features_in_``. Parameters are GaussianMixture's
    (``n_components``, ``tol``, ``max_iter``, ``n_init``, ``init_params``, ``weights_init``,
    ``means_init``, ``random_state``, ``warm_start``, ``verbose``, ``verbose_interval``) with
    ``pseudo_count`` (a Beta(1 + a, 1 + a) prior's a, default 1e-6; 0: maximum likelihood)
    instead of ``reg_covar``, and the extras ``threads``, ``on_degenerate``, ``checkpoint``,
    ``checkpoint_every``. A value outside [0, 1] raises ValueError naming its row and column; a
    component left without data raises ValueError (or is re-seeded with on_degenerate="reseed").
    """
    _family = "bernoulli"


class PoissonMixture(_MeansMixture):
    """Mixture of independent Poisson counts, fitted by EM in swift-gmm's engine.

    X holds non-negative integer counts, shape (n_samples, n_features). ``means_`` (K,
    n_features) are the rates lambda_ki; ``pseudo_count`` a is a Gamma(1 + a, a) prior's
    (lambda = (S + a) / (N_k + a)). score_samples includes -sum_i log x_i!. Otherwise as
    BernoulliMixture.
    """
    _family = "poisson"


class CategoricalMixture(_DiscreteMixture):
    """Mixture of independent categorical features (latent class analysis), fitted by EM in
    swift-gmm's engine.

    X holds integer codes, feature i in 0 … C_i - 1, shape (n_samples, n_features).
    ``categories`` gives C_i per feature (None: each column's largest code + 1 in the data
    fitted). Fitted attributes: ``weights_`` (K,), ``probabilities_`` (a list with one
    (K, C_i) array per feature: theta_ki[c]), ``categories_`` (C_i), and the fit results as
    GaussianMixture's. ``probabilities_init``: a start in the shape of ``probabilities_``
    (with ``weights_init``). ``pseudo_count`` a: a Dirichlet(1 + a) prior's.
    """
    _family = "categorical"
    _values_name = "probabilities_init"
    _parameter_constraints: dict = {**_COMMON_CONSTRAINTS, "probabilities_init": [list, tuple, None],
                                    "categories": ["array-like", None]}

    def __init__(self, n_components=1, *, categories=None, tol=1e-3, pseudo_count=1e-6, max_iter=100, n_init=1,
                 init_params="kmeans", weights_init=None, probabilities_init=None, random_state=None, warm_start=False,
                 verbose=0, verbose_interval=10, threads=None, on_degenerate="fail", checkpoint=None, checkpoint_every=10):
        self.n_components = n_components
        self.categories = categories
        self.tol = tol
        self.pseudo_count = pseudo_count
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.probabilities_init = probabilities_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.threads = threads
        self.on_degenerate = on_degenerate
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every

    def _configure_family(self, e, k, d):
        categories = self._declared_categories(d)
        if categories is not None:
            e.call("gmm_set_categories", categories.ctypes.data_as(_native._pi64), len(categories))
            self._keep.append(categories)
        super()._configure_family(e, k, d)

    def _declared_categories(self, d):
        if self.categories is not None:
            given = np.asarray(self.categories)
            if given.dtype.kind not in "iuf" or not np.all(np.isfinite(given)) or np.any(given != np.floor(given)) \
                    or np.any(given < 1):
                raise ValueError(f"The parameter 'categories' must hold positive integers, but got {self.categories!r}")
            c = np.ascontiguousarray(given.astype(np.int64))
            _check_shape(c, (d,), "categories")
            return c
        if self.probabilities_init is not None:
            shapes = [np.shape(np.asarray(p, dtype=object)) for p in self.probabilities_init]
            for i, shape in enumerate(shapes):
                if len(shape) != 2:
                    raise ValueError(f"The parameter 'probabilities_init[{i}]' should have the shape of "
                                     f"(n_components, n_categories), but got {shape}")
            return np.array([shape[1] for shape in shapes], dtype=np.int64)
        return None

    def _given_values(self):
        return self.probabilities_init

    def _given_matrix(self, k, d):
        if len(self.probabilities_init) != d:
            raise ValueError(f"The parameter 'probabilities_init' should hold {d} arrays (one per feature), "
                             f"but got {len(self.probabilities_init)}")
        blocks = []
        for i, p in enumerate(self.probabilities_init):
            p = np.asarray(p, dtype=np.float64)
            if p.ndim != 2 or p.shape[0] != k:
                raise ValueError(f"The parameter 'probabilities_init[{i}]' should have the shape of ({k}, n_categories), "
                                 f"but got {p.shape}")
            blocks.append(p)
        return np.ascontiguousarray(np.hstack(blocks))

    def _set_values(self, values, model, d, dtype):
        self.categories_ = model.categories(d)
        offsets = np.concatenate([[0], np.cumsum(self.categories_)])
        self.probabilities_ = [values[:, offsets[i]:offsets[i + 1]].astype(dtype, copy=False) for i in range(d)]

    def _values_matrix(self):
        return np.hstack(self.probabilities_)

    def _categories_or_none(self):
        return np.asarray(self.categories_, dtype=np.int64)

    def _sample_width(self):
        return len(self.categories_)

    def _n_parameters(self):
        k = len(self.weights_)
        return int(k * int(np.sum(np.asarray(self.categories_) - 1)) + k - 1)
