"""swiftgmm on Dask: a fit over a dask array or Dask DataFrame on a 2-worker LocalCluster is the
in-memory fit of the same rows, bit for bit; bad values and failing chunks are reported."""
import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from swiftgmm import BernoulliMixture, GaussianMixture  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def blobs(n=30000, d=3, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-8, 8, size=(k, d))
    X = np.vstack([rng.normal(centers[j], 1.0, size=(n // k, d)) for j in range(k)])
    return X[rng.permutation(len(X))].astype(dtype)


def same(a, b):
    assert np.array_equal(a.weights_, b.weights_) and np.array_equal(a.means_, b.means_)
    assert np.array_equal(a.covariances_, b.covariances_) and np.array_equal(a.precisions_cholesky_, b.precisions_cholesky_)
    assert a.lower_bound_ == b.lower_bound_ and a.n_iter_ == b.n_iter_ and a.lower_bounds_ == b.lower_bounds_


@pytest.mark.parametrize("init", ["kmeans", "k-means++", "random", "random_from_data"])
@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_dask_fit_is_the_in_memory_fit_bit_for_bit(client, init, covariance_type):
    X = blobs()
    settings = dict(n_components=3, covariance_type=covariance_type, init_params=init, random_state=2, max_iter=8, tol=0, n_init=2)
    with pytest.warns(Warning):  # (tol=0: not converged)
        memory = GaussianMixture(**settings).fit(X)
    with pytest.warns(Warning):
        remote = GaussianMixture(**settings).fit(da.from_array(X, chunks=(7001, 3)))  # chunks not on slot boundaries
    same(memory, remote)


def test_float32_weights_and_a_sampled_seeding(client):
    X = blobs(n=300000, d=2, k=4, seed=3, dtype=np.float32)  # > 2**18 rows: k-means++ seeds on a sample
    w = np.random.default_rng(1).uniform(0, 3, size=len(X))
    memory = GaussianMixture(4, random_state=5, max_iter=4, tol=1e-12).fit(X, sample_weight=w)
    remote = GaussianMixture(4, random_state=5, max_iter=4, tol=1e-12).fit(da.from_array(X, chunks=(50000, 2)), sample_weight=w)
    same(memory, remote)
    assert remote.means_.dtype == np.float32


def test_a_dask_dataframe_and_blockwise_evaluation(client):
    X = blobs(n=9000, d=2)
    frame = pd.DataFrame(X, columns=["a", "b"])
    memory = GaussianMixture(3, random_state=0).fit(frame)
    remote = GaussianMixture(3, random_state=0).fit(dd.from_pandas(frame, npartitions=3))
    same(memory, remote)
    assert list(remote.feature_names_in_) == ["a", "b"] and remote.n_features_in_ == 2
    dX = da.from_array(X, chunks=(2000, 2))
    assert np.array_equal(remote.predict(dX).compute(), memory.predict(X))
    assert np.array_equal(remote.predict_proba(dX).compute(), memory.predict_proba(X))
    assert np.array_equal(remote.score_samples(dX).compute(), memory.score_samples(X))
    assert abs(remote.score(dX) - memory.score(X)) <= 1e-13 * abs(memory.score(X))


def test_bad_values_are_named_as_in_memory(client):
    X = blobs(n=9000)
    X[7777, 2] = np.nan
    with pytest.raises(ValueError, match=r"^Input X contains NaN at row 7777, column 2\.$"):
        GaussianMixture(2).fit(da.from_array(X, chunks=(1000, 3)))
    X[7777, 2] = 1e200
    with pytest.raises(ValueError, match=r"^Input X contains 1e\+200 at row 7777, column 2, beyond"):
        GaussianMixture(2).fit(da.from_array(X, chunks=(1000, 3)))
    with pytest.raises(ValueError, match="Expected n_samples >= n_components but got n_components = 5, n_samples = 4"):
        GaussianMixture(5).fit(da.from_array(X[:4], chunks=2))
    with pytest.raises(ValueError, match="Dask collections are fitted by GaussianMixture"):
        BernoulliMixture(2).fit(da.from_array((X > 0).astype(float), chunks=(1000, 3)))


class Flaky(Exception):
    pass


def _fails(block):
    raise Flaky("a worker lost its chunk")


def test_a_failing_chunk_stops_the_fit_with_its_error(client):
    X = da.from_array(blobs(n=9000), chunks=(3000, 3))
    X = da.concatenate([X[:6000], X[6000:].map_blocks(_fails, dtype=X.dtype)])
    with pytest.raises(Flaky, match="a worker lost its chunk"):
        GaussianMixture(2, random_state=0).fit(X)


def test_fit_predict_verbose_and_float32_without_warnings(client, capsys):
    X = blobs(n=6000, d=2, dtype=np.float32)
    dX = da.from_array(X, chunks=(1500, 2))
    memory = GaussianMixture(3, random_state=1, verbose=2, verbose_interval=1)
    labels = memory.fit_predict(X)
    printed = capsys.readouterr().out
    remote = GaussianMixture(3, random_state=1, verbose=2, verbose_interval=1)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no overflow warning from the float32 checks)
        remote_labels = remote.fit_predict(dX)
    assert np.array_equal(remote_labels.compute(), labels)
    out = capsys.readouterr().out
    import re
    strip = lambda text: [re.sub(r"time lapse [0-9.]+s", "", line) for line in text.splitlines()]  # (times differ)
    assert strip(out) == strip(printed) and "Iteration 1" in out


def test_frames_of_other_dtypes_blocks_of_another_dtype_and_failed_fits(client):
    X = blobs(n=6000, d=3)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2] > 0})  # a bool column
    frame["n"] = pd.array(np.round(X[:, 0]).astype(int), dtype="Int64")  # nullable integers
    memory = GaussianMixture(2, random_state=0).fit(frame)
    remote = GaussianMixture(2, random_state=0).fit(dd.from_pandas(frame, npartitions=3))
    same(memory, remote)
    # A block computed as int64 under a float64 declaration is converted, not reinterpreted.
    ints = np.round(X * 3)
    lying = da.from_array(ints, chunks=(1000, 3)).map_blocks(lambda b: b.astype(np.int64), dtype=np.float64)
    same(GaussianMixture(2, random_state=0).fit(ints), GaussianMixture(2, random_state=0).fit(lying))
    # A failed fit keeps the fitted model (its features, names, predictions).
    before = remote.predict(frame)
    bad = np.hstack([X, X[:, :2]])
    bad[10, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        remote.fit(da.from_array(bad, chunks=(2000, 5)))
    assert remote.n_features_in_ == 4 and np.array_equal(remote.predict(frame), before)
    with pytest.raises(ValueError, match="The feature names should match those that were passed during fit"):
        remote.predict(dd.from_pandas(frame.rename(columns={"a": "z"}), npartitions=2))
