"""Fits over Dask arrays and DataFrames: the engine's one fit runs in this process (the
client) through ``gmm_fit_remote``; each pass over the rows runs on the Dask workers that hold
them (``gmm_remote_slot_sums`` on every chunk) and the chunks' slot sums are reduced here in
slot order, so the model is, bit for bit, the in-memory fit of the same rows.

The rows are rechunked once (and persisted) on the boundaries of the engine's reduction slots
(``gmm_share_slots``: at most 64 runs of whole 512-row units), so that every chunk holds whole
slots; the initialization reads its seeds and samples with ``read_rows`` (fancy indexing), and
the data checks run on the workers (``column_ranges``)."""

import ctypes
import os

import numpy as np

from . import _native

_MAGNITUDE_LIMIT = 1e140  # the engine's dataMagnitudeLimit


def is_dask_collection(X):
    """True for a dask.array.Array or a Dask DataFrame (without importing Dask if unused)."""
    module = type(X).__module__ or ""
    return module.startswith("dask.") or module.startswith("dask_expr")


def as_dask_array(X):
    """A 2-D float64 or float32 dask array (a DataFrame's values, with known chunk sizes)."""
    import dask.array as da
    names = None
    if not isinstance(X, da.Array):  # a Dask DataFrame
        if len(X.columns) and all(isinstance(c, str) for c in X.columns):
            names = [str(c) for c in X.columns]
        elif any(isinstance(c, str) for c in X.columns):
            raise TypeError("Feature names are only supported if all input features have string names, but your input has "
                            "['int', 'str'] as feature name / column name types.")
        # (bool and nullable Int64/Float64 columns as float64, pd.NA as NaN, as scikit-learn converts them)
        if not all(str(t) == "float32" for t in X.dtypes):
            X = X.astype(np.float64)
        X = X.to_dask_array(lengths=True)
    if X.ndim != 2:
        raise ValueError(f"Expected 2D array, got {X.ndim}D array instead. Reshape your data either using array.reshape(-1, 1) "
                         "if your data has a single feature or array.reshape(1, -1) if it contains a single sample.")
    if np.isnan(X.shape[0]) or any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    if X.dtype not in (np.float64, np.float32):
        if X.dtype.kind == "c":
            raise ValueError("Complex data not supported")
        if X.dtype.kind not in "biuf":
            raise ValueError(f"dtype='numeric' is not compatible with arrays of {X.dtype}; the dask array must hold numbers.")
        X = X.astype(np.float64)
    return X, names


def _slot_sums(block, dtype, weights, description, first_row, slot_begin, slot_end, threads):
    """On a worker: the partial sums of slots [slot_begin, slot_end) of one pass over a chunk."""
    lib = _native.lib()
    block = np.ascontiguousarray(block, dtype=dtype)  # (a block computed in another dtype than declared)
    description = np.ascontiguousarray(description, dtype=np.float64)
    size = lib.gmm_remote_slot_size(_native.f64_pointer(description), description.size)
    if size < 0:
        raise ValueError("swiftgmm: not a pass description")
    out = np.empty((slot_end - slot_begin) * size)
    w = None if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    code = _native.GMM_FLOAT32 if block.dtype == np.float32 else _native.GMM_FLOAT64
    status = lib.gmm_remote_slot_sums(_native.f64_pointer(description), description.size, ctypes.c_void_p(block.ctypes.data), code,
                                      block.shape[0], block.shape[1], block.shape[1], _native.f64_pointer(w), first_row,
                                      slot_begin, slot_end, threads, _native.f64_pointer(out))
    if status != _native.GMM_SUCCESS:
        raise ValueError(f"swiftgmm: gmm_remote_slot_sums failed on rows {first_row}..{first_row + block.shape[0]} (status {status})")
    return out


def _check_block(block, first_row):
    """On a worker: a chunk's column minima and maxima and its first non-finite and first too
    large value (row, column, value), rows counted in the whole array."""
    block = np.asarray(block, dtype=np.float64)  # (float32 cannot hold the 1e140 bound)
    finite = np.isfinite(block)
    bad = None
    if not finite.all():
        r, c = np.unravel_index(np.argmin(finite.ravel()), block.shape)
        bad = (first_row + int(r), int(c), float(block[r, c]))
    large = np.abs(np.where(finite, block, 0)) > _MAGNITUDE_LIMIT
    big = None
    if large.any():
        r, c = np.unravel_index(np.argmax(large.ravel()), block.shape)
        big = (first_row + int(r), int(c), float(block[r, c]))
    lo = np.where(finite, block, np.inf).min(axis=0).astype(np.float64)
    hi = np.where(finite, block, -np.inf).max(axis=0).astype(np.float64)
    return lo, hi, bad, big


class DaskRows:
    """A dask array rechunked on slot boundaries, with the three callbacks of gmm_fit_remote."""

    def __init__(self, X, weights, threads):
        import dask
        lib = _native.lib()
        self.n, self.d = int(X.shape[0]), int(X.shape[1])
        self.dtype = X.dtype
        slots = lib.gmm_share_slots(self.n)
        try:
            from distributed import get_client
            threads = sum(w.get("nthreads", 1) for w in get_client().scheduler_info()["workers"].values())
        except (ImportError, ValueError):
            threads = os.cpu_count() or 1  # the local scheduler's threads
        parts = max(1, min(slots, 2 * threads))  # two chunks (of whole slots) per worker thread
        self.slot_ranges = [(p * slots // parts, (p + 1) * slots // parts) for p in range(parts)]
        self.slot_ranges = [(a, b) for a, b in self.slot_ranges if b > a]
        self.starts = [lib.gmm_slot_first_row(self.n, a) for a, _ in self.slot_ranges] + [self.n]
        sizes = tuple(int(b - a) for a, b in zip(self.starts, self.starts[1:]))
        self.X = X.rechunk({0: sizes, 1: -1}).persist()
        self.blocks = self.X.to_delayed().ravel().tolist()
        self.weights = None
        if weights is not None:
            normalized = np.empty_like(weights)
            lib.gmm_normalized_weights(_native.f64_pointer(weights), weights.size, _native.f64_pointer(normalized))
            import dask.array as da
            self.weight_array = da.from_array(normalized, chunks=(sizes,)).persist()  # (kept: its futures hold the blocks)
            self.weights = self.weight_array.to_delayed().ravel().tolist()
        self.threads = int(threads or 0)
        self.errors = []
        self._dask = dask

    def _guard(self, body):
        try:
            body()
            return 0
        except BaseException as error:  # reported by the fit once it has stopped
            self.errors.append(error)
            return 1

    def slot_sums(self, user, description, length, slot_begin, slot_end, out):
        def body():
            desc = np.ctypeslib.as_array(description, shape=(length,)).copy()
            size = _native.lib().gmm_remote_slot_size(_native.f64_pointer(desc), length)
            delayed = self._dask.delayed(_slot_sums)
            tasks = [delayed(block, self.dtype, None if self.weights is None else self.weights[p], desc, self.starts[p], a, b, self.threads)
                     for p, (block, (a, b)) in enumerate(zip(self.blocks, self.slot_ranges)) if a < slot_end and b > slot_begin]
            results = self._dask.compute(*tasks)
            target = np.ctypeslib.as_array(out, shape=((slot_end - slot_begin) * size,))
            at = 0
            for r in results:
                target[at:at + r.size] = r
                at += r.size
            if at != target.size:
                raise RuntimeError("swiftgmm: the chunks did not cover the pass's slots")
        return self._guard(body)

    def read_rows(self, user, rows, count, out):
        def body():
            wanted = np.ctypeslib.as_array(rows, shape=(count,)).copy()
            unique, inverse = np.unique(wanted, return_inverse=True)
            values = np.asarray(self.X[unique].compute(), dtype=np.float64)
            np.ctypeslib.as_array(out, shape=(count * self.d,))[:] = values[inverse].ravel()
        return self._guard(body)

    def column_ranges(self, user, lo, hi, bad_row, bad_column, bad_value):
        status = []

        def body():
            delayed = self._dask.delayed(_check_block)
            parts = self._dask.compute(*[delayed(b, self.starts[p]) for p, b in enumerate(self.blocks)])
            for which, code in ((2, 1), (3, 2)):  # the first non-finite value, then the first too large
                found = [p[which] for p in parts if p[which] is not None]
                if found:
                    bad_row[0], bad_column[0], bad_value[0] = found[0]
                    status.append(code)
                    return
            np.ctypeslib.as_array(lo, shape=(self.d,))[:] = np.min([p[0] for p in parts], axis=0)
            np.ctypeslib.as_array(hi, shape=(self.d,))[:] = np.max([p[1] for p in parts], axis=0)
        failed = self._guard(body)
        return -1 if failed else (status[0] if status else 0)
