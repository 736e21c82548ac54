"""The machinery every swiftgmm estimator shares: scikit-learn's fit/fit_predict orchestration
over the engine's gmm_fit (settings, seeds, checkpoints, verbose output, Ctrl-C, warm starts)
and the evaluation methods over a native model. Each family adds its parameters, its fitted
attributes and how its native model follows them."""

import ctypes
import os
import warnings
from numbers import Integral, Real
from time import time

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(estimator, X, **kwargs):
        return estimator._validate_data(X, **kwargs)

try:
    from sklearn.base import _fit_context
except ImportError:  # pragma: no cover
    def _fit_context(prefer_skip_nested_validation):
        def decorate(fit):
            def wrapper(self, *args, **kwargs):
                self._validate_params()
                return fit(self, *args, **kwargs)
            return wrapper
        return decorate

from . import _dask, _native


def _check_shape(param, param_shape, name):
    # scikit-learn's text (sklearn.mixture._base._check_shape).
    if param.shape != param_shape:
        raise ValueError("The parameter '%s' should have the shape of %s, but got %s" % (name, param_shape, param.shape))


_SHARED_CONSTRAINTS = {  # the parameters every family has (scikit-learn's validation)
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0.0, None, closed="left")],
    "max_iter": [Interval(Integral, 0, None, closed="left")],
    "n_init": [Interval(Integral, 1, None, closed="left")],
    "init_params": [StrOptions({"kmeans", "random", "random_from_data", "k-means++"})],
    "random_state": ["random_state"],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
    "verbose_interval": [Interval(Integral, 1, None, closed="left")],
    "weights_init": ["array-like", None],
    "threads": [Interval(Integral, 1, 256, closed="both"), None],
    "on_degenerate": [StrOptions({"fail", "reseed"})],
    "checkpoint": [str, os.PathLike, None],
    "checkpoint_every": [Interval(Integral, 1, None, closed="left")],
}


def _clamped(value):
    """An int for the engine's int64: counts beyond 2**62 (iterations, starts) are as good as
    endless and are kept at that, instead of wrapping around."""
    return min(int(value), 1 << 62)


def _path(path):
    """A path as bytes; an embedded NUL is refused, as open() does."""
    encoded = os.fsencode(path)
    if b"\x00" in encoded:
        raise ValueError("embedded null byte")
    return encoded


class _EngineMixture(DensityMixin, BaseEstimator):
    """Base of the estimators: subclasses define ``_configure_family(e, k, d)``,
    ``_set_fitted(model, dtype)``, ``_native_model()`` and ``_n_parameters()``."""

    # ---- fitting ----

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None, resume=None):
        """Estimate the parameters with EM (``n_init`` starts, the best lower bound kept).

        X : array-like of shape (n_samples, n_features), float64 or float32 (others are
        converted), or a dask array or Dask DataFrame (GaussianMixture): then the engine runs
        here and each of its passes on the Dask workers holding the rows (the C ABI's
        gmm_remote_slot_sums on every chunk, rechunked once on the engine's slot boundaries),
        reduced here in slot order: the same model, bit for bit, as the fit of the same rows
        in memory; sample_weight : array-like of shape (n_samples,) or None; resume : path of
        a checkpoint (see ``checkpoint``) to continue, or None. A resumed fit needs the same
        data, weights and settings, and ends with the model of the fit that was never stopped,
        bit for bit (with ``random_state=None`` the checkpoint's seed is used).
        Returns self. Raises ValueError (bad input, ill-defined covariance, a checkpoint of
        another fit), OSError (an unreadable checkpoint), and KeyboardInterrupt when Ctrl-C
        stops the fit between iterations (after saving the checkpoint, when one is set).
        (scikit-learn's ``fit`` runs ``fit_predict`` and drops the labels; this one skips
        that final pass over the data, which does not change the model.)
        """
        self._fit(X, sample_weight, resume)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_predict(self, X, y=None, sample_weight=None, resume=None):
        """Fit and return the labels of X from a final E-step (as ``fit(X).predict(X)``):
        int64 array of shape (n_samples,)."""
        X = self._fit(X, sample_weight, resume)
        return self.predict(X) if _dask.is_dask_collection(X) else self._labels(X)

    def _fit(self, X, sample_weight, resume):
        """Validates X, fits, sets the fitted attributes; returns the validated X."""
        if _dask.is_dask_collection(X):
            return self._fit_dask(X, sample_weight, resume)
        X = _validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        if X.shape[0] < self.n_components and not (self.warm_start and hasattr(self, "converged_")):
            raise ValueError("Expected n_samples >= n_components but got n_components = "
                             f"{self.n_components}, n_samples = {X.shape[0]}")
        weights = None if sample_weight is None else np.ascontiguousarray(_check_sample_weight(sample_weight, X, dtype=np.float64))
        warm = self._native_model() if (self.warm_start and hasattr(self, "converged_")) else None
        estimator = self._configure(X, resume, warm)
        model = self._run_fit(estimator, X, weights, warm)
        self._set_fitted(model, X.dtype)
        if not self.converged_ and self.max_iter > 0:
            warnings.warn("Best performing initialization did not converge. Try different init parameters, or increase "
                          "max_iter, tol, or check for degenerate data.", ConvergenceWarning)
        return X

    def _fit_dask(self, X, sample_weight, resume):
        """A fit over a dask array or Dask DataFrame (see ``fit``): the engine runs here, its
        passes on the workers holding the rows (swiftgmm._dask). Returns the dask array."""
        if getattr(self, "_family", "gaussian") != "gaussian":
            raise ValueError(f"{type(self).__name__} fits in-memory arrays; Dask collections are fitted by GaussianMixture.")
        X, names = _dask.as_dask_array(X)
        n, d = int(X.shape[0]), int(X.shape[1])
        if n < 2:
            raise ValueError(f"Found array with {n} sample(s) (shape=({n}, {d})) while a minimum of 2 is required by {type(self).__name__}.")
        if d < 1:
            raise ValueError(f"Found array with 0 feature(s) (shape=({n}, 0)) while a minimum of 1 is required by {type(self).__name__}.")
        warmed = self.warm_start and hasattr(self, "converged_")
        if warmed and d != self.n_features_in_:
            raise ValueError(f"X has {d} features, but {type(self).__name__} is expecting {self.n_features_in_} features as input.")
        if n < self.n_components and not warmed:
            raise ValueError("Expected n_samples >= n_components but got n_components = "
                             f"{self.n_components}, n_samples = {n}")
        weights = None
        if sample_weight is not None:
            sample_weight = sample_weight.compute() if _dask.is_dask_collection(sample_weight) else sample_weight
            weights = np.ascontiguousarray(_check_sample_weight(sample_weight, np.empty((n, 0)), dtype=np.float64))
        warm = self._native_model() if warmed else None
        estimator = self._configure(X, resume, warm)
        rows = _dask.DaskRows(X, weights, self.threads)
        progress, progress_errors = self._progress(estimator)
        callbacks = (_native.SLOT_SUMS(rows.slot_sums), _native.READ_ROWS(rows.read_rows), _native.COLUMN_RANGES(rows.column_ranges))
        model = _native.Model()
        code = _native.GMM_FLOAT32 if X.dtype == np.float32 else _native.GMM_FLOAT64
        try:
            _native.fit_interruptibly(estimator, n, d, code, *callbacks, None, _native.f64_pointer(weights),
                                      warm.handle if warm else None, model.handle, function="gmm_fit_remote")
        except (ValueError, _native.Stopped):
            if rows.errors:  # a worker's failure, as it was raised there
                raise rows.errors[0]
            if progress_errors:
                raise progress_errors[0]
            raise
        finally:
            del callbacks, progress
        if rows.errors:
            raise rows.errors[0]
        self._set_fitted(model, X.dtype)
        # (the input's shape and names only once the fit succeeded: a failed fit keeps the model)
        self.n_features_in_ = d
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        if not self.converged_ and self.max_iter > 0:
            warnings.warn("Best performing initialization did not converge. Try different init parameters, or increase "
                          "max_iter, tol, or check for degenerate data.", ConvergenceWarning)
        return X

    def _configure(self, X, resume=None, warm=None):
        e = _native.Estimator()
        # A warm start continues the fitted model whatever n_components says now (as
        # scikit-learn, which skips its initialization and keeps the fitted shapes).
        k, d = (warm.shape()[0] if warm is not None else self.n_components), X.shape[1]
        e.call("gmm_set_n_components", _clamped(k))
        e.call("gmm_set_tol", float(self.tol))
        e.call("gmm_set_max_iter", _clamped(self.max_iter))
        e.call("gmm_set_n_init", _clamped(self.n_init))
        e.call("gmm_set_init_params", self.init_params.encode())
        e.call("gmm_set_threads", int(self.threads or 0))
        e.call("gmm_set_on_degenerate", self.on_degenerate.encode())
        if self.checkpoint is not None:
            e.call("gmm_set_checkpoint", _path(self.checkpoint), _clamped(self.checkpoint_every))
        if resume is not None:
            e.call("gmm_set_resume", _path(resume))
        if self.random_state is None and resume is not None:
            seed = None  # the checkpoint's
        elif self.random_state is None:
            seed = int.from_bytes(os.urandom(8), "little")
        elif isinstance(self.random_state, (Integral, np.integer)):
            seed = int(self.random_state)
        else:  # a RandomState: draw the seed from it, as scikit-learn's fits consume it
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if seed is not None:
            e.call("gmm_set_random_state", seed)
        self._keep = []
        self._configure_family(e, k, d)
        return e

    def _run_fit(self, estimator, X, weights, warm):
        callback, errors = self._progress(estimator)
        pointer, code, n, d, stride, keep = _native.rows(X)
        model = _native.Model()
        w = None if weights is None else _native.f64_pointer(weights)
        try:
            _native.fit_interruptibly(estimator, pointer, code, n, d, stride, w, warm.handle if warm else None, model.handle)
        except _native.Stopped:
            if errors:
                raise errors[0]
            raise
        finally:
            del keep, callback
        return model

    def _progress(self, estimator):
        """scikit-learn's verbose output through the engine's progress callback (set on
        `estimator` when verbose): (the callback to keep alive, the list its errors go to)."""
        state = {"init": -1, "t0": time(), "t_iter": time()}
        verbose, interval, tol, max_iter = self.verbose, self.verbose_interval, self.tol, self.max_iter

        errors = []

        def progress(user, init, iteration, lower_bound, change):
            # Runs between iterations, with the GIL: scikit-learn's verbose output. An error
            # here (a closed stdout, say) stops the fit and is raised once it has ended.
            try:
                if iteration == 0:  # a start begins, before its initialization (scikit-learn prints it then)
                    state["init"], state["t0"], state["t_iter"] = init, time(), time()
                    print("Initialization %d" % init)
                    return 0
                if verbose and iteration % interval == 0:
                    if verbose == 1:
                        print("  Iteration %d" % iteration)
                    else:
                        now = time()
                        print("  Iteration %d\t time lapse %.5fs\t ll change %.5f" % (iteration, now - state["t_iter"], change))
                        state["t_iter"] = now
                if verbose and (abs(change) < tol or iteration == max_iter):
                    message = "converged" if abs(change) < tol else "did not converge"
                    if verbose == 1:
                        print(f"Initialization {message}.")
                    else:
                        print(f"Initialization {message}. time lapse {time() - state['t0']:.5f}s\t lower bound {lower_bound:.5f}.")
                return 0
            except BaseException as error:
                errors.append(error)
                return 1

        callback = None
        if verbose:  # no callback otherwise: nothing to do between iterations
            callback = _native.PROGRESS(progress)
            estimator.call("gmm_set_progress", callback, None)
        return callback, errors

    def _set_fit_result(self, model, dtype):
        """converged_, n_iter_, lower_bound_, lower_bounds_ of a fitted native model, and the
        snapshot of the attributes it was made from."""
        lower_bound, self.n_iter_, self.converged_, bounds = model.fit_result()
        # NumPy scalars of the data's dtype, as scikit-learn's (np.float64, or np.float32).
        scalar = np.dtype(dtype).type
        self.lower_bound_ = scalar(lower_bound if np.isfinite(lower_bound) else -np.inf)
        self.lower_bounds_ = [scalar(v) for v in bounds]
        self._synced = self._attribute_snapshot()
        if self.threads:
            model.call("gmm_model_set_threads", int(self.threads))

    def _sample_width(self):
        return self.means_.shape[1]

    # ---- the engine's model follows the fitted attributes ----
    # A family gives _synced_attributes() (the arrays its evaluation reads, as scikit-learn's
    # does), _load_attributes(model) (a native model from them), _native_parameters(model)
    # (float64 parameters of a native model) and _load_parameters(model, parameters).

    def _attribute_snapshot(self):
        return tuple(np.array(a, copy=True) for a in self._synced_attributes())

    def _native_model(self):
        """The engine's model of the current attributes: the fitted one, or, when they were set
        or changed, one built from them."""
        model, synced = getattr(self, "_model", None), getattr(self, "_synced", None)
        current = self._synced_attributes()
        if model is None or synced is None or any(np.shape(a) != np.shape(b) or not np.array_equal(a, b)
                                                  for a, b in zip(current, synced)):
            model = self._prepared(self._load_attributes)
            self._model, self._synced = model, self._attribute_snapshot()
        return model

    def _prepared(self, load):
        """A new native model filled by `load(model)`, with the estimator's threads and its
        lower_bound_ (a warm start's first "previous" value, as scikit-learn's)."""
        model = _native.Model()
        load(model)
        if self.threads:
            model.call("gmm_model_set_threads", int(self.threads))
        model.call("gmm_model_set_lower_bound", float(getattr(self, "lower_bound_", -np.inf)))
        return model

    def __getstate__(self):
        state = self.__dict__.copy()
        model = state.pop("_model", None)  # a native handle: rebuilt from its float64 parameters
        state.pop("_keep", None)
        if model is not None:
            state["_native_parameters"] = self._native_parameters(model)
        return state

    def __setstate__(self, state):
        parameters = state.pop("_native_parameters", None)
        self.__dict__.update(state)
        if parameters is not None:
            self._model = self._prepared(lambda model: self._load_parameters(model, parameters))

    # ---- evaluation ----

    def _checked(self, X):
        check_is_fitted(self)
        X = _validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return X

    def _evaluate(self, name, X, out):
        pointer, code, n, d, stride, keep = _native.rows(X)
        self._native_model().call(name, pointer, code, n, d, stride, out)
        del keep

    def _blockwise(self, method, X, components=False):
        """`method` of a dask array or DataFrame, block by block on the workers: a dask array
        (n_samples,) or, with `components`, (n_samples, n_components)."""
        check_is_fitted(self)
        X, names = _dask.as_dask_array(X)
        fitted_names = getattr(self, "feature_names_in_", None)
        if names is not None and fitted_names is not None and list(names) != list(fitted_names):
            raise ValueError("The feature names should match those that were passed during fit.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting {self.n_features_in_} features as input.")
        X = X.rechunk({1: -1})
        dtype = np.int64 if method == "predict" else self._output_dtype(X)
        if components:
            return X.map_blocks(getattr(self, method), chunks=(X.chunks[0], (np.asarray(self.weights_).shape[0],)), dtype=dtype)
        return X.map_blocks(getattr(self, method), drop_axis=1, dtype=dtype)

    def score_samples(self, X):
        """Weighted log-probabilities of each row: array of shape (n_samples,), float32 when
        both X and the fitted parameters are float32, else float64 (as scikit-learn's). A dask
        array or DataFrame gives a dask array, computed block by block where the rows are."""
        if _dask.is_dask_collection(X):
            return self._blockwise("score_samples", X)
        X = self._checked(X)
        out = np.empty(X.shape[0], dtype=np.float64)
        self._evaluate("gmm_score_samples", X, _native.f64_pointer(out))
        return out.astype(self._output_dtype(X), copy=False)

    def _output_dtype(self, X):
        return np.result_type(X.dtype, np.asarray(self.means_).dtype)

    def score(self, X, y=None):
        """Mean log-likelihood of X: a NumPy float64 (float32 data and parameters: the float32
        mean of score_samples, as scikit-learn computes it). A dask array or DataFrame: the
        mean of its blocks' score_samples, computed where the rows are."""
        if _dask.is_dask_collection(X):
            value = self._blockwise("score_samples", X).mean().compute()  # float32 for float32 data and model
            return value if np.asarray(value).dtype == np.float32 else np.float64(value)
        X = self._checked(X)
        if self._output_dtype(X) == np.float32:
            return self.score_samples(X).mean()
        pointer, code, n, d, stride, keep = _native.rows(X)
        value = ctypes.c_double()
        self._native_model().call("gmm_score", pointer, code, n, d, stride, ctypes.byref(value), None, None)
        del keep
        return np.float64(value.value)

    def predict(self, X):
        """Most probable component of each row: int64 array of shape (n_samples,) (a dask
        array for a dask array or DataFrame)."""
        if _dask.is_dask_collection(X):
            return self._blockwise("predict", X)
        return self._labels(self._checked(X))

    def _labels(self, X):
        out = np.empty(X.shape[0], dtype=np.int64)
        self._evaluate("gmm_predict", X, out.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)))
        return out

    def predict_proba(self, X):
        """Responsibilities: array of shape (n_samples, n_components), dtype as score_samples'
        (a dask array for a dask array or DataFrame)."""
        if _dask.is_dask_collection(X):
            return self._blockwise("predict_proba", X, components=True)
        X = self._checked(X)
        out = np.empty((X.shape[0], np.asarray(self.weights_).shape[0]), dtype=np.float64)
        self._evaluate("gmm_predict_proba", X, _native.f64_pointer(out))
        return out.astype(self._output_dtype(X), copy=False)

    def sample(self, n_samples=1):
        """Draw n_samples points: (X of shape (n_samples, n_features), component labels)."""
        check_is_fitted(self)
        if n_samples < 1:
            raise ValueError("Invalid value for 'n_samples': %d . The sampling requires at least one sample." % n_samples)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        d = self._sample_width()
        X = np.empty((n_samples, d), dtype=np.float64)
        y = np.empty(n_samples, dtype=np.int64)
        self._native_model().call("gmm_sample", int(n_samples), seed, _native.f64_pointer(X),
                                  y.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)))
        # Grouped by component, as scikit-learn returns its samples (component 0's first).
        order = np.argsort(y, kind="stable")
        return X[order], y[order]

    def bic(self, X):
        """Bayesian information criterion for X (lower is better)."""
        return -2 * self.score(X) * X.shape[0] + self._n_parameters() * np.log(X.shape[0])

    def aic(self, X):
        """Akaike information criterion for X (lower is better)."""
        return -2 * self.score(X) * X.shape[0] + 2 * self._n_parameters()

    # ---- files ----

    def save_model(self, path):
        """Writes the fitted model in the command line's JSON format ("swift-gmm/1")."""
        check_is_fitted(self)
        self._native_model().call("gmm_model_save", _path(path))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        return tags
