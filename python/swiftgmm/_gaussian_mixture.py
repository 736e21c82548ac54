"""swiftgmm.GaussianMixture: scikit-learn's GaussianMixture (constructor, defaults, fitted
attributes, methods, messages), fitted by swift-gmm's engine through libgmm."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from . import _native
from ._base import _SHARED_CONSTRAINTS, _EngineMixture, _check_shape

_COVARIANCE_SHAPES = {
    "full": lambda k, d: (k, d, d), "tied": lambda k, d: (d, d), "diag": lambda k, d: (k, d), "spherical": lambda k, d: (k,),
}


class GaussianMixture(_EngineMixture):
    """Gaussian mixture fitted by Expectation-Maximization in swift-gmm's engine.

    A drop-in for ``sklearn.mixture.GaussianMixture``: the same parameters and defaults, the
    same fitted attributes (``weights_``, ``means_``, ``covariances_``, ``precisions_``,
    ``precisions_cholesky_``, ``converged_``, ``n_iter_``, ``lower_bound_``,
    ``lower_bounds_``, ``n_features_in_``, ``feature_names_in_``), methods and messages. The
    fit runs in one fused pass over the data per iteration on OpenMP threads (with the GIL
    released), reads C-contiguous (or row-strided) float64 and float32 arrays in place, and
    gives the same model whatever the thread count.

    Parameters beyond scikit-learn's
    ---------------------------------
    threads : int or None, default=None
        Threads for the passes (None: OMP_NUM_THREADS, else all cores; at most 256).
    on_degenerate : {"fail", "reseed"}, default="fail"
        What to do when a component's covariance becomes ill-defined: raise scikit-learn's
        ValueError, or restart the component at the worst-explained point.
    checkpoint : str, path-like or None, default=None
        Save the fit's state to this file (JSON, atomically) every ``checkpoint_every``
        iterations and when Ctrl-C stops the fit; ``fit(X, resume=path)`` continues it. The
        format is the command line's (``gmm fit --checkpoint`` / ``--resume``).
    checkpoint_every : int, default=10
        Iterations between checkpoints.
    truncation : float in (0, 1) or None, default=None
        Truncated EM for large K (None: exact EM). Per point, every component whose
        responsibility is below ``truncation`` times the point's largest is dropped and the
        rest renormalized; components are proven negligible by partial Mahalanobis distances,
        never guessed. Each dropped responsibility is below ``truncation`` times the largest,
        and ``lower_bound_`` lies within log(1 + (K - 1) truncation) per sample below the
        exact mean log-likelihood (Lucke & Eggert 2010, JMLR 11). Pays for large K with
        separated components (e.g. 4.7-4.9x per iteration at K = 512 diag, d = 40, and
        K = 128 full, d = 64, at 1e-8); not with Dask arrays.

    ``fit`` also takes ``sample_weight`` (one non-negative weight per row). float32 data are
    fitted in float32 arithmetic within blocks (float64 across them) and give float32
    attributes, as scikit-learn's do.

    Formulas: scikit-learn's (see ``sklearn/mixture/_gaussian_mixture.py``); the engine
    accumulates the M-step's statistics about the previous means, so nothing cancels.
    """

    _parameter_constraints: dict = {
        **_SHARED_CONSTRAINTS,
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
        "means_init": ["array-like", None],
        "precisions_init": ["array-like", None],
        "truncation": [Interval(Real, 0.0, 1.0, closed="neither"), None],
    }

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6, max_iter=100, n_init=1,
                 init_params="kmeans", weights_init=None, means_init=None, precisions_init=None, random_state=None,
                 warm_start=False, verbose=0, verbose_interval=10, threads=None, on_degenerate="fail",
                 checkpoint=None, checkpoint_every=10, truncation=None):
        self.n_components = n_components
        self.truncation = truncation
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.covariance_type = covariance_type
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.threads = threads
        self.on_degenerate = on_degenerate
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every

    def _configure_family(self, e, k, d):
        e.call("gmm_set_covariance_type", self.covariance_type.encode())
        e.call("gmm_set_reg_covar", float(self.reg_covar))
        e.call("gmm_set_truncation", float(self.truncation or 0.0))
        # scikit-learn's checks of the given pieces (its texts), then the engine's of values.
        if self.weights_init is not None:
            w = np.ascontiguousarray(np.asarray(self.weights_init, dtype=np.float64))
            _check_shape(w, (k,), "weights")
            e.call("gmm_set_weights_init", _native.f64_pointer(w), k)
            self._keep.append(w)
        if self.means_init is not None:
            m = np.ascontiguousarray(np.asarray(self.means_init, dtype=np.float64))
            _check_shape(m, (k, d), "means")
            e.call("gmm_set_means_init", _native.f64_pointer(m), k, d)
            self._keep.append(m)
        if self.precisions_init is not None:
            p = np.ascontiguousarray(np.asarray(self.precisions_init, dtype=np.float64))
            _check_shape(p, _COVARIANCE_SHAPES[self.covariance_type](k, d), "%s precision" % self.covariance_type)
            e.call("gmm_set_precisions_init", _native.f64_pointer(p), p.size)
            self._keep.append(p)

    def _set_fitted(self, model, dtype):
        self._model = model
        k, d, t = model.shape()
        count = model.covariance_count()
        shape = _COVARIANCE_SHAPES[t](k, d)
        self.weights_ = model.array("gmm_model_weights", k).astype(dtype, copy=False)
        self.means_ = model.array("gmm_model_means", k * d).reshape(k, d).astype(dtype, copy=False)
        self.covariances_ = model.array("gmm_model_covariances", count).reshape(shape).astype(dtype, copy=False)
        self.precisions_cholesky_ = model.array("gmm_model_precisions_cholesky", count).reshape(shape).astype(dtype, copy=False)
        self.precisions_ = model.array("gmm_model_precisions", count).reshape(shape).astype(dtype, copy=False)
        self._set_fit_result(model, dtype)

    def _get_parameters(self):
        """(weights, means, covariances, precisions_cholesky), as scikit-learn's private helper."""
        return (self.weights_, self.means_, self.covariances_, self.precisions_cholesky_)

    def _set_parameters(self, params):
        """Sets (weights, means, covariances, precisions_cholesky) as scikit-learn's private
        helper does; the engine's model is built from the weights, means and covariances."""
        weights, means, covariances, _ = params
        model = _native.Model()
        # (scikit-learn's helper takes weights as they come, e.g. unnormalized sums; the
        # engine's model needs them normalized, the attribute keeps them as given.)
        w = np.asarray(weights, dtype=np.float64)
        model.set_parameters(self.covariance_type, w / w.sum(), means, covariances)
        dtype = np.asarray(means).dtype if np.asarray(means).dtype in (np.float32, np.float64) else np.float64
        converged, n_iter, lower_bound, bounds = (getattr(self, "converged_", False), getattr(self, "n_iter_", 0),
                                                  getattr(self, "lower_bound_", -np.inf), getattr(self, "lower_bounds_", []))
        self._set_fitted(model, dtype)
        self.weights_ = np.asarray(weights)
        self.converged_, self.n_iter_, self.lower_bound_, self.lower_bounds_ = converged, n_iter, lower_bound, bounds

    # ---- the engine's model follows the fitted attributes ----

    def _synced_attributes(self):
        return (self.weights_, self.means_, self.precisions_cholesky_)

    def _load_attributes(self, model):
        weights = np.asarray(self.weights_, dtype=np.float64)
        model.set_parameters_cholesky(self.covariance_type, weights / weights.sum(), self.means_, self.precisions_cholesky_)

    def _native_parameters(self, model):
        k, d, t = model.shape()
        return (t, model.array("gmm_model_weights", k), model.array("gmm_model_means", k * d).reshape(k, d),
                model.array("gmm_model_covariances", model.covariance_count()))

    def _load_parameters(self, model, parameters):
        model.set_parameters(*parameters)

    def _n_parameters(self):
        """Free parameters of the model (scikit-learn's count)."""
        _, n_features = self.means_.shape
        if self.covariance_type == "full":
            cov_params = self.n_components * n_features * (n_features + 1) / 2.0
        elif self.covariance_type == "diag":
            cov_params = self.n_components * n_features
        elif self.covariance_type == "tied":
            cov_params = n_features * (n_features + 1) / 2.0
        else:
            cov_params = self.n_components
        mean_params = n_features * self.n_components
        return int(cov_params + mean_params + self.n_components - 1)
