"""ctypes bindings of libgmm (the C ABI, include/gmm.h): the only way this package reaches the
engine. Each handle is owned by a small Python object that frees it; every call's gmm_code is
turned into the exception scikit-learn would raise, with the engine's message."""

import ctypes
import os
import signal
import threading

import numpy as np

GMM_SUCCESS, GMM_E_VALUE, GMM_E_NUMERIC, GMM_E_NOT_FITTED = 0, 1, 2, 3
GMM_E_MEMORY, GMM_E_IO, GMM_STOPPED, GMM_E_INTERNAL = 4, 5, 6, 7
GMM_FLOAT64, GMM_FLOAT32 = 0, 1
ABI_VERSION = 1


def _find_library():
    """The bundled libgmm.so (wheel or `pip install ./python`), else SWIFTGMM_LIBRARY, else a
    checkout's build/lib (make lib)."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("SWIFTGMM_LIBRARY"), os.path.join(here, "libgmm.so"),
                  os.path.join(here, "..", "..", "build", "lib", "libgmm.so")]
    for path in candidates:
        if path and os.path.exists(path):
            return path
    raise ImportError("swiftgmm: libgmm.so not found (build it with `make lib`, install the wheel, "
                      "or set SWIFTGMM_LIBRARY)")


_lib = ctypes.CDLL(_find_library())  # CDLL: the GIL is released during every call

_i64, _i32, _u64, _f64 = ctypes.c_int64, ctypes.c_int32, ctypes.c_uint64, ctypes.c_double
_p, _pf64, _pi64, _pi32 = ctypes.c_void_p, ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_int)
_str = ctypes.c_char_p
PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, _i64, _i64, _f64, _f64)
SLOT_SUMS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, _pf64, _i64, _i64, _i64, _pf64)
READ_ROWS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, _pi64, _i64, _pf64)
COLUMN_RANGES = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, _pf64, _pf64, _pi64, _pi64, _pf64)

_signatures = {
    "gmm_abi_version": ([], ctypes.c_int), "gmm_version": ([], _str),
    "gmm_estimator_create": ([], _p), "gmm_estimator_destroy": ([_p], None), "gmm_estimator_error": ([_p], _str),
    "gmm_set_n_components": ([_p, _i64], _i32), "gmm_set_covariance_type": ([_p, _str], _i32),
    "gmm_set_tol": ([_p, _f64], _i32), "gmm_set_reg_covar": ([_p, _f64], _i32), "gmm_set_max_iter": ([_p, _i64], _i32),
    "gmm_set_n_init": ([_p, _i64], _i32), "gmm_set_init_params": ([_p, _str], _i32),
    "gmm_set_random_state": ([_p, _u64], _i32), "gmm_set_threads": ([_p, _i32], _i32),
    "gmm_set_on_degenerate": ([_p, _str], _i32), "gmm_set_truncation": ([_p, _f64], _i32), "gmm_set_weights_init": ([_p, _pf64, _i64], _i32),
    "gmm_set_means_init": ([_p, _pf64, _i64, _i64], _i32), "gmm_set_precisions_init": ([_p, _pf64, _i64], _i32),
    "gmm_set_covariances_init": ([_p, _pf64, _i64], _i32), "gmm_set_progress": ([_p, PROGRESS, _p], _i32),
    "gmm_set_checkpoint": ([_p, _str, _i64], _i32), "gmm_set_resume": ([_p, _str], _i32),
    "gmm_request_stop": ([_p], _i32),
    "gmm_fit": ([_p, _p, _i32, _i64, _i64, _i64, _pf64, _p, _p], _i32),
    "gmm_model_create": ([], _p), "gmm_model_destroy": ([_p], None), "gmm_model_error": ([_p], _str),
    "gmm_model_is_fitted": ([_p], ctypes.c_int),
    "gmm_model_shape": ([_p, _pi64, _pi64, ctypes.POINTER(_str)], _i32), "gmm_model_covariance_count": ([_p], _i64),
    "gmm_model_weights": ([_p, _pf64], _i32), "gmm_model_means": ([_p, _pf64], _i32),
    "gmm_model_covariances": ([_p, _pf64], _i32), "gmm_model_precisions": ([_p, _pf64], _i32),
    "gmm_model_precisions_cholesky": ([_p, _pf64], _i32),
    "gmm_model_fit_result": ([_p, _pf64, _pi64, _pi32], _i32),
    "gmm_model_lower_bounds": ([_p, _pf64, _i64, _pi64], _i32),
    "gmm_model_set_parameters": ([_p, _str, _i64, _i64, _pf64, _pf64, _pf64], _i32),
    "gmm_model_set_parameters_cholesky": ([_p, _str, _i64, _i64, _pf64, _pf64, _pf64], _i32),
    "gmm_model_set_lower_bound": ([_p, _f64], _i32),
    "gmm_set_family": ([_p, _str], _i32), "gmm_set_pseudo_count": ([_p, _f64], _i32),
    "gmm_set_categories": ([_p, _pi64, _i64], _i32), "gmm_model_family": ([_p, ctypes.POINTER(_str)], _i32),
    "gmm_model_coded_features": ([_p], _i64), "gmm_model_categories": ([_p, _pi64], _i32),
    "gmm_model_set_discrete": ([_p, _str, _i64, _i64, _pi64, _pf64, _pf64], _i32),
    "gmm_model_set_threads": ([_p, _i32], _i32),
    "gmm_predict": ([_p, _p, _i32, _i64, _i64, _i64, _pi64], _i32),
    "gmm_predict_proba": ([_p, _p, _i32, _i64, _i64, _i64, _pf64], _i32),
    "gmm_score_samples": ([_p, _p, _i32, _i64, _i64, _i64, _pf64], _i32),
    "gmm_score": ([_p, _p, _i32, _i64, _i64, _i64, _pf64, _pf64, _pf64], _i32),
    "gmm_sample": ([_p, _i64, _u64, _pf64, _pi64], _i32),
    "gmm_model_save": ([_p, _str], _i32), "gmm_model_load": ([_p, _str], _i32),
    "gmm_model_statistics_count": ([_p], _i64),
    "gmm_partial_statistics": ([_p, _p, _i32, _i64, _i64, _i64, _pf64, _pf64, _pf64, _pf64], _i32),
    "gmm_maximize": ([_p, _pf64, _f64], _i32),
    "gmm_fit_remote": ([_p, _i64, _i64, _i32, SLOT_SUMS, READ_ROWS, COLUMN_RANGES, _p, _pf64, _p, _p], _i32),
    "gmm_share_slots": ([_i64], _i64), "gmm_slot_first_row": ([_i64, _i64], _i64),
    "gmm_remote_slot_size": ([_pf64, _i64], _i64),
    "gmm_remote_slot_sums": ([_pf64, _i64, _p, _i32, _i64, _i64, _i64, _pf64, _i64, _i64, _i64, _i32, _pf64], _i32),
    "gmm_normalized_weights": ([_pf64, _i64, _pf64], _i32),
}
for _name, (_args, _restype) in _signatures.items():
    _fn = getattr(_lib, _name)
    _fn.argtypes, _fn.restype = _args, _restype

if _lib.gmm_abi_version() != ABI_VERSION:
    raise ImportError(f"swiftgmm: libgmm ABI {_lib.gmm_abi_version()} where {ABI_VERSION} is expected")

version = _lib.gmm_version().decode()


class Stopped(Exception):
    """A fit stopped by its progress callback (GMM_STOPPED)."""


def _raise(code, message):
    from sklearn.exceptions import NotFittedError
    message = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    if code == GMM_STOPPED:
        raise Stopped(message)
    if code == GMM_E_NOT_FITTED:
        raise NotFittedError(message)
    if code == GMM_E_MEMORY:
        raise MemoryError(message)
    if code == GMM_E_IO:
        raise OSError(message)
    if code == GMM_E_INTERNAL:
        raise RuntimeError(message)
    raise ValueError(message)


def f64_pointer(array):
    return None if array is None else array.ctypes.data_as(_pf64)


def rows(X):
    """(pointer, dtype code, n, d, row stride in elements, keep-alive) for a 2-D float64 or
    float32 array: its memory in place when each row is contiguous (C order or a view with a
    row step), a C-contiguous copy otherwise (Fortran order, column steps)."""
    item = X.dtype.itemsize
    if X.ndim != 2 or X.dtype not in (np.float64, np.float32):
        raise ValueError("rows() expects a 2-D float64 or float32 array")
    n, d = X.shape
    s0, s1 = X.strides
    if not (n <= 1 or (s0 > 0 and s0 % item == 0 and s0 // item >= d)) or not (d <= 1 or s1 == item):
        X = np.ascontiguousarray(X)
        s0 = X.strides[0]
    stride = s0 // item if n > 1 else d
    code = GMM_FLOAT32 if X.dtype == np.float32 else GMM_FLOAT64
    return ctypes.c_void_p(X.ctypes.data), code, n, d, max(stride, d), X


class Estimator:
    """An owned gmm_estimator handle."""

    def __init__(self):
        self.handle = _lib.gmm_estimator_create()
        if not self.handle:
            raise MemoryError("gmm_estimator_create failed")

    def check(self, code):
        if code != GMM_SUCCESS:
            _raise(code, _lib.gmm_estimator_error(self.handle))

    def call(self, name, *args):
        self.check(getattr(_lib, name)(self.handle, *args))

    def __del__(self):
        if getattr(self, "handle", None):
            _lib.gmm_estimator_destroy(self.handle)
            self.handle = None


def fit_interruptibly(estimator, *args, function="gmm_fit"):
    """gmm_fit(estimator, *args) (or `function`, e.g. gmm_fit_remote), stoppable with Ctrl-C.

    Signals reach Python only in the main thread, and only between bytecodes, never inside a
    foreign call. From the main thread the fit therefore runs on a helper thread while this one
    waits; SIGINT (a handler that only records it, when Python's default one is installed) asks
    the fit to stop at its next check (gmm_request_stop: between EM iterations and k-means
    passes), and once it has ended KeyboardInterrupt is raised, noting the engine's message
    (which names the checkpoint, when one was saved). From other threads the call is direct.
    """
    if threading.current_thread() is not threading.main_thread():
        estimator.call(function, *args)
        return
    outcome, done, interrupts = {}, threading.Event(), []

    def work():
        try:
            outcome["code"] = getattr(_lib, function)(estimator.handle, *args)
            # Messages are per thread: read on the thread that made the call.
            outcome["message"] = _lib.gmm_estimator_error(estimator.handle)
        finally:
            done.set()

    def on_sigint(signum, frame):
        interrupts.append(KeyboardInterrupt())
        _lib.gmm_request_stop(estimator.handle)

    previous = signal.getsignal(signal.SIGINT)
    ours = previous is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        worker = threading.Thread(target=work, name="swiftgmm-fit", daemon=True)
        worker.start()
        while True:
            try:
                while not done.wait(0.05):
                    pass
                break
            except BaseException as interrupt:  # KeyboardInterrupt, or what a signal handler of the user's raises
                # (a timeout, SystemExit): the fit stops at its next check and is waited for, so it
                # never runs on after the objects it writes to are gone.
                interrupts.append(interrupt)
                _lib.gmm_request_stop(estimator.handle)
        worker.join()
    finally:
        if ours:
            signal.signal(signal.SIGINT, previous)
    code, message = outcome.get("code", GMM_E_INTERNAL), outcome.get("message", b"the fit did not return")
    if interrupts:
        interrupt = interrupts[0]
        if message:  # where the state was saved, or why it could not be
            interrupt.add_note("swiftgmm: " + message.decode("utf-8", "replace"))
        raise interrupt
    if code != GMM_SUCCESS:
        _raise(code, message)


class Model:
    """An owned gmm_model handle."""

    def __init__(self):
        self.handle = _lib.gmm_model_create()
        if not self.handle:
            raise MemoryError("gmm_model_create failed")

    def check(self, code):
        if code != GMM_SUCCESS:
            _raise(code, _lib.gmm_model_error(self.handle))

    def call(self, name, *args):
        self.check(getattr(_lib, name)(self.handle, *args))

    def shape(self):
        k, d, t = ctypes.c_int64(), ctypes.c_int64(), ctypes.c_char_p()
        self.call("gmm_model_shape", ctypes.byref(k), ctypes.byref(d), ctypes.byref(t))
        return k.value, d.value, t.value.decode()

    def array(self, name, count):
        out = np.empty(count, dtype=np.float64)
        self.call(name, f64_pointer(out))
        return out

    def coded_features(self):
        return _lib.gmm_model_coded_features(self.handle)

    def categories(self, d):
        out = np.empty(d, dtype=np.int64)
        self.call("gmm_model_categories", out.ctypes.data_as(_pi64))
        return out

    def set_discrete(self, family, weights, means, categories=None):
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        means = np.ascontiguousarray(means, dtype=np.float64)
        k = len(weights)
        cats = None if categories is None else np.ascontiguousarray(categories, dtype=np.int64)
        d = len(cats) if cats is not None else means.shape[1]
        self.call("gmm_model_set_discrete", family.encode(), k, d, None if cats is None else cats.ctypes.data_as(_pi64),
                  f64_pointer(weights), f64_pointer(means))

    def covariance_count(self):
        return _lib.gmm_model_covariance_count(self.handle)

    def fit_result(self):
        lb, n_iter, converged = ctypes.c_double(), ctypes.c_int64(), ctypes.c_int()
        self.call("gmm_model_fit_result", ctypes.byref(lb), ctypes.byref(n_iter), ctypes.byref(converged))
        count = ctypes.c_int64()
        self.call("gmm_model_lower_bounds", None, 0, ctypes.byref(count))
        bounds = np.empty(count.value, dtype=np.float64)
        self.call("gmm_model_lower_bounds", f64_pointer(bounds), count.value, ctypes.byref(count))
        return lb.value, n_iter.value, bool(converged.value), bounds

    def set_parameters(self, covariance_type, weights, means, covariances):
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        means = np.ascontiguousarray(means, dtype=np.float64)
        covariances = np.ascontiguousarray(covariances, dtype=np.float64)
        k, d = means.shape
        self.call("gmm_model_set_parameters", covariance_type.encode(), k, d, f64_pointer(weights), f64_pointer(means),
                  f64_pointer(covariances))

    def set_parameters_cholesky(self, covariance_type, weights, means, precisions_cholesky):
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        means = np.ascontiguousarray(means, dtype=np.float64)
        factors = np.ascontiguousarray(precisions_cholesky, dtype=np.float64)
        k, d = means.shape
        self.call("gmm_model_set_parameters_cholesky", covariance_type.encode(), k, d, f64_pointer(weights), f64_pointer(means),
                  f64_pointer(factors))

    def __del__(self):
        if getattr(self, "handle", None):
            _lib.gmm_model_destroy(self.handle)
            self.handle = None


def lib():
    return _lib
