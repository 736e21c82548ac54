"""Tests of swiftgmm: scikit-learn's contract, same results as the command line and the Swift
library, scikit-learn's exceptions for bad input, zero-copy input, re-entrancy and Ctrl-C.

The command-line binary for the bitwise comparisons is GMM_CLI (make test sets it)."""
import _thread
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.mixture import GaussianMixture as SKGaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import swiftgmm
from swiftgmm import GaussianMixture

TYPES = ["full", "tied", "diag", "spherical"]


def blobs(n=600, d=3, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-8, 8, size=(k, d))
    X = np.vstack([rng.normal(centers[j], 1.0, size=(n // k, d)) for j in range(k)])
    return X[rng.permutation(len(X))].astype(dtype)


def start(X, k, covariance_type, seed=1):
    """Explicit initial parameters: weights, means and precisions in scikit-learn's shapes."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    weights = np.full(k, 1.0 / k)
    means = X[rng.choice(len(X), k, replace=False)].astype(np.float64)
    if covariance_type == "full":
        precisions = np.array([np.eye(d) * (0.5 + j * 0.1) for j in range(k)])
    elif covariance_type == "tied":
        precisions = np.eye(d) * 0.7
    elif covariance_type == "diag":
        precisions = np.array([[0.5 + 0.1 * j + 0.05 * i for i in range(d)] for j in range(k)])
    else:
        precisions = np.array([0.5 + 0.1 * j for j in range(k)])
    return weights, means, precisions


def test_check_estimator():
    check_estimator(GaussianMixture())


def test_scikit_learn_contract():
    X = blobs()
    gm = GaussianMixture(n_components=3, covariance_type="diag", random_state=0)
    assert gm.get_params()["covariance_type"] == "diag"
    gm.set_params(n_components=3, tol=1e-4)
    twin = clone(gm)
    assert twin.get_params() == gm.get_params() and not hasattr(twin, "means_")
    gm.fit(X)
    for attribute in ["weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_", "converged_",
                      "n_iter_", "lower_bound_", "lower_bounds_", "n_features_in_"]:
        assert hasattr(gm, attribute), attribute
    assert gm.n_features_in_ == 3 and len(gm.lower_bounds_) == gm.n_iter_
    # pickling keeps the model, bit for bit
    again = pickle.loads(pickle.dumps(gm))
    np.testing.assert_array_equal(again.predict_proba(X), gm.predict_proba(X))
    # Pipeline and GridSearchCV
    pipe = make_pipeline(StandardScaler(), GaussianMixture(n_components=3, random_state=0)).fit(X)
    assert pipe.score(X) == pytest.approx(pipe[-1].score(StandardScaler().fit_transform(X)))
    search = GridSearchCV(GaussianMixture(random_state=0), {"n_components": [1, 2, 3, 4]}, cv=3).fit(X)
    theirs = GridSearchCV(SKGaussianMixture(random_state=0), {"n_components": [1, 2, 3, 4]}, cv=3).fit(X)
    assert search.best_params_ == theirs.best_params_
    # feature names, as scikit-learn records them
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    assert list(GaussianMixture(n_components=2, random_state=0).fit(frame).feature_names_in_) == ["a", "b", "c"]


def cli(*args):
    binary = os.environ.get("GMM_CLI")
    if not binary:
        pytest.skip("GMM_CLI is not set")
    subprocess.run([binary, *args], check=True, capture_output=True)


@pytest.mark.parametrize("covariance_type", TYPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_same_start_same_result(covariance_type, dtype, tmp_path):
    """A fit from explicit parameters equals the command line's (the Swift library's) bit for
    bit, and follows scikit-learn's lower-bound trace (float64: to 1e-10 relative; float32,
    fitted in float32 arithmetic: to 1e-5 of scikit-learn's float64 fit of the same values)."""
    X = blobs(dtype=dtype)
    k = 3
    weights, means, precisions = start(X, k, covariance_type)
    kwargs = dict(n_components=k, covariance_type=covariance_type, tol=0, max_iter=15, weights_init=weights,
                  means_init=means, precisions_init=precisions)
    ours = GaussianMixture(**kwargs).fit(X)
    # The command line from the same start, through a start file.
    data = tmp_path / "X.npy"
    np.save(data, X)
    (tmp_path / "start.json").write_text(json.dumps({"covariance_type": covariance_type, "weights": weights.tolist(),
                                                     "means": means.tolist(), "precisions": precisions.tolist()}))
    cli("fit", str(data), "-k", str(k), "--covariance", covariance_type, "--tol", "0", "--max-iter", "15",
        "--init-model", str(tmp_path / "start.json"), "-o", str(tmp_path / "cli.json"), "-q")
    ours.save_model(tmp_path / "py.json")
    a, b = json.loads((tmp_path / "py.json").read_text()), json.loads((tmp_path / "cli.json").read_text())
    for field in ["weights", "means", "covariances", "precisions_cholesky", "lower_bounds", "lower_bound"]:
        assert a[field] == b[field], field  # shortest round-trip decimals: equal text is equal bits
    reference = SKGaussianMixture(**kwargs).fit(X.astype(np.float64))
    tolerance = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(ours.lower_bounds_, reference.lower_bounds_, rtol=tolerance)
    np.testing.assert_allclose(ours.means_, reference.means_, rtol=tolerance * 100, atol=tolerance * 100)
    assert ours.means_.dtype == dtype and ours.covariances_.dtype == dtype


@pytest.mark.parametrize("covariance_type", TYPES)
def test_truncation(covariance_type, tmp_path):
    """truncation: the command line's --truncate model bit for bit (same seed), within 1e-6 of
    exact EM's score from the same start, and refused outside (0, 1) with scikit-learn's text."""
    rng = np.random.default_rng(4)
    centres = rng.uniform(-12, 12, size=(20, 5))
    X = (centres[rng.integers(0, 20, 4000)] + rng.standard_normal((4000, 5))).astype(np.float64)
    kwargs = dict(n_components=20, covariance_type=covariance_type, random_state=3)
    exact = GaussianMixture(**kwargs).fit(X)
    ours = GaussianMixture(truncation=1e-8, **kwargs).fit(X)
    assert abs(exact.score(X) - ours.score(X)) <= 1e-6 * abs(exact.score(X))
    assert abs(exact.n_iter_ - ours.n_iter_) <= 1
    assert ours.lower_bound_ <= ours.score(X) + 1e-12
    np.save(tmp_path / "X.npy", X)
    cli("fit", str(tmp_path / "X.npy"), "-k", "20", "--covariance", covariance_type, "--seed", "3", "--truncate", "1e-8",
        "-o", str(tmp_path / "cli.json"), "-q")
    ours.save_model(tmp_path / "py.json")
    a, b = json.loads((tmp_path / "py.json").read_text()), json.loads((tmp_path / "cli.json").read_text())
    for field in ["weights", "means", "precisions_cholesky", "lower_bounds"]:
        assert a[field] == b[field], field
    for bad in [0, 1, -1e-8, 2.0]:
        with pytest.raises(ValueError, match=r"The 'truncation' parameter of GaussianMixture must be a float in the range "
                                             r"\(0.0, 1.0\) or None. Got %s instead." % re.escape(str(bad))):
            GaussianMixture(2, truncation=bad).fit(X)


BAD_INPUTS = {
    "NaN": lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X),
    "inf": lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X),
    "1-D": lambda X: X[:, 0],
    "3-D": lambda X: X.reshape(X.shape[0], X.shape[1], 1),
    "empty": lambda X: X[:0],
    "no features": lambda X: X[:, :0],
    "complex": lambda X: X.astype(np.complex128),
    "object": lambda X: np.array([[object()] * X.shape[1]] * X.shape[0], dtype=object),
    "strings": lambda X: np.full(X.shape, "abc", dtype=object),
    "sparse": lambda X: scipy.sparse.csr_matrix(X),
    "one sample": lambda X: X[:1],
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_raises_as_scikit_learn_does(name):
    X = BAD_INPUTS[name](blobs(n=30))
    errors = []
    for cls in (SKGaussianMixture, GaussianMixture):
        try:
            cls(n_components=2, random_state=0).fit(X)
            errors.append(None)
        except Exception as error:  # noqa: BLE001 - the point is which one
            errors.append(error)
    sk, ours = errors
    assert sk is not None and ours is not None, name
    assert type(ours) is type(sk), (name, type(ours), type(sk))
    assert str(ours).split("\n")[0] == str(sk).split("\n")[0], name


def test_other_faults_raise_as_scikit_learn_does():
    X = blobs(n=30)
    for cls in (SKGaussianMixture, GaussianMixture):
        with pytest.raises(ValueError, match="Expected n_samples >= n_components but got n_components = 40, n_samples = 30"):
            cls(n_components=40).fit(X)
        with pytest.raises(NotFittedError, match="This GaussianMixture instance is not fitted yet"):
            cls().predict(X)
        fitted = cls(n_components=2, random_state=0).fit(X)
        with pytest.raises(ValueError, match="X has 2 features, but GaussianMixture is expecting 3 features as input."):
            fitted.predict(X[:, :2])
        with pytest.raises(ValueError, match="Invalid value for 'n_samples'"):
            fitted.sample(0)
    with pytest.raises(ValueError, match="ill-defined empirical covariance"):
        GaussianMixture(n_components=2, reg_covar=0, random_state=0).fit(np.array([[1.0, 1], [1, 1], [1, 1], [2, 3], [2, 3]]))


@pytest.mark.parametrize("view", ["row step", "column step", "Fortran", "read-only", "column slice"])
def test_views_fit_as_their_values(view):
    base = blobs(n=1200, d=4)
    X = {"row step": base[::2], "column step": base[:, ::2], "Fortran": np.asfortranarray(base),
         "read-only": base.copy(), "column slice": base[:, 1:3]}[view]
    if view == "read-only":
        X.setflags(write=False)
    contiguous = np.ascontiguousarray(X)
    a = GaussianMixture(n_components=3, random_state=2).fit(X)
    b = GaussianMixture(n_components=3, random_state=2).fit(contiguous)
    np.testing.assert_array_equal(a.means_, b.means_)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(contiguous))


def test_contiguous_input_is_not_copied():
    """Rows read in place: numpy allocates nothing near the data's size during a fit."""
    X = blobs(n=60_000, d=16, k=4)
    GaussianMixture(n_components=4, random_state=0, max_iter=3).fit(X[:1000])  # warm up imports
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GaussianMixture(n_components=4, random_state=0, max_iter=3).fit(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < X.nbytes / 4, (peak, X.nbytes)


def test_two_threads_fit_concurrently_and_as_alone():
    X1, X2 = blobs(n=30_000, d=8, k=4, seed=1), blobs(n=30_000, d=8, k=4, seed=2)
    alone = [GaussianMixture(n_components=4, random_state=s, tol=0, max_iter=30).fit(X) for s, X in ((1, X1), (2, X2))]
    events, results = [], [None, None]

    class Logged(GaussianMixture):
        pass

    def run(i, X):
        gm = GaussianMixture(n_components=4, random_state=i + 1, tol=0, max_iter=30, verbose=0)
        # The progress callback records when each fit iterates (with the GIL, between passes).
        original = gm._run_fit

        def traced(estimator, X_, weights, warm):
            start = time.perf_counter()
            model = original(estimator, X_, weights, warm)
            events.append((i, start, time.perf_counter()))
            return model

        gm._run_fit = traced
        results[i] = gm.fit(X)

    threads = [threading.Thread(target=run, args=(i, X)) for i, X in enumerate((X1, X2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for model, reference in zip(results, alone):
        np.testing.assert_array_equal(model.means_, reference.means_)
        np.testing.assert_array_equal(model.covariances_, reference.covariances_)
        assert model.lower_bounds_ == reference.lower_bounds_
    (_, s0, e0), (_, s1, e1) = sorted(events)
    assert s1 < e0 and s0 < e1, "the two fits overlapped in time (the GIL is released)"


def test_ctrl_c_stops_a_fit_between_iterations():
    X = blobs(n=200_000, d=8, k=8)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    gm = GaussianMixture(n_components=8, tol=0, max_iter=100_000, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        gm.fit(X)
    timer.cancel()
    assert not hasattr(gm, "means_")
    # The estimator is usable afterwards.
    gm.set_params(max_iter=2).fit(X[:1000])


def test_ctrl_c_saves_a_checkpoint_and_resume_finishes_the_same_fit(tmp_path):
    X = blobs(n=50_000, d=8, k=8)
    settings = dict(n_components=8, tol=0, max_iter=400, random_state=3)
    whole = GaussianMixture(**settings).fit(X)
    path = tmp_path / "fit.checkpoint.json"
    gm = GaussianMixture(**settings, checkpoint=path, checkpoint_every=5)

    def interrupt_once_a_checkpoint_exists():  # so the stop comes after some iterations
        while not path.exists():
            time.sleep(0.001)
        _thread.interrupt_main()
    watcher = threading.Thread(target=interrupt_once_a_checkpoint_exists)
    watcher.start()
    with pytest.raises(KeyboardInterrupt) as info:
        gm.fit(X)
    watcher.join()
    assert any(str(path) in note and "saved" in note for note in getattr(info.value, "__notes__", []))
    saved = json.loads(path.read_text())
    assert 5 <= saved["current"]["n_iter"] < 400
    # Resuming (random_state=None takes the checkpoint's seed) ends with the uninterrupted model.
    resumed = GaussianMixture(n_components=8, tol=0, max_iter=400).fit(X, resume=path)
    np.testing.assert_array_equal(resumed.means_, whole.means_)
    np.testing.assert_array_equal(resumed.covariances_, whole.covariances_)
    assert resumed.lower_bounds_ == whole.lower_bounds_ and resumed.n_iter_ == 400
    # Other data or settings are refused with the difference named.
    with pytest.raises(ValueError, match="cannot resume: the checkpoint was made on other data"):
        GaussianMixture(**settings).fit(X[:-1], resume=path)
    with pytest.raises(ValueError, match="cannot resume: the checkpoint was made with other settings"):
        GaussianMixture(**{**settings, "tol": 1e-3}).fit(X, resume=path)
    with pytest.raises(OSError, match="no-such-checkpoint.json"):
        GaussianMixture(**settings).fit(X, resume=tmp_path / "no-such-checkpoint.json")


def test_a_real_sigint_stops_a_fit_and_saves_its_checkpoint(tmp_path):
    # A real SIGINT to a Python process fitting in its main thread (not a simulated one).
    path = tmp_path / "fit.checkpoint.json"
    script = f"""
import numpy as np, swiftgmm
X = np.random.default_rng(0).normal(size=(100_000, 8))
swiftgmm.GaussianMixture(8, tol=0, max_iter=10**9, random_state=0, checkpoint={str(path)!r}, checkpoint_every=2).fit(X)
"""
    process = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    while not path.exists() and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "KeyboardInterrupt" in stderr and f"its state is saved in {path}" in stderr, stderr
    assert json.loads(path.read_text())["current"]["n_iter"] >= 2


def test_sample_weight_and_extras():
    X = blobs(n=300)
    w = np.ones(300)
    a = GaussianMixture(n_components=3, random_state=0).fit(X, sample_weight=w)
    b = GaussianMixture(n_components=3, random_state=0).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    c = GaussianMixture(n_components=3, random_state=0, threads=1).fit(X)
    np.testing.assert_array_equal(c.means_, b.means_)  # any thread count, the same model
    with pytest.raises(ValueError):
        GaussianMixture(threads=0).fit(X)


def test_warm_start_chain_converges_like_scikit_learn():
    X = np.array([[0.0], [1], [2], [10], [11], [12]])
    kw = dict(n_components=2, warm_start=True, max_iter=1, weights_init=[0.5, 0.5], means_init=[[1], [11]],
              precisions_init=np.ones((2, 1, 1)))
    ours, theirs = GaussianMixture(**kw), SKGaussianMixture(**kw)
    for _ in range(4):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours.fit(X)
            theirs.fit(X)
        assert ours.converged_ == theirs.converged_
        assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-14)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_fitted_attributes_are_the_model(covariance_type):
    """As in scikit-learn, evaluation reads weights_, means_ and precisions_cholesky_: changing
    them changes the scores, and a model set up from attributes alone evaluates like
    scikit-learn's (the README's route from a CLI model file)."""
    X = blobs()
    ours = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    theirs = SKGaussianMixture(3, covariance_type=covariance_type)
    for name in ["weights_", "means_", "covariances_", "precisions_cholesky_", "precisions_"]:
        setattr(theirs, name, getattr(ours, name).copy())
    before = ours.score(X)
    np.testing.assert_allclose(before, theirs.score(X), rtol=1e-12)
    ours.means_ += 10
    theirs.means_ += 10
    assert ours.score(X) < before - 1
    np.testing.assert_allclose(ours.score(X), theirs.score(X), rtol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-12)
    fresh = GaussianMixture(3, covariance_type=covariance_type)
    for name in ["weights_", "means_", "covariances_", "precisions_cholesky_", "precisions_"]:
        setattr(fresh, name, getattr(theirs, name).copy())
    np.testing.assert_allclose(fresh.score_samples(X), theirs.score_samples(X), rtol=1e-12)


def test_warm_start_keeps_the_fitted_number_of_components():
    X = blobs()
    for cls in (GaussianMixture, SKGaussianMixture):
        m = cls(3, warm_start=True, random_state=0, max_iter=5).fit(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.set_params(n_components=4).fit(X)
        assert m.means_.shape == (3, 3), cls


def test_samples_are_grouped_by_component_and_outputs_follow_scikit_learn_dtypes():
    X = blobs()
    ours = GaussianMixture(3, random_state=0).fit(X)
    _, y = ours.sample(30)
    assert list(y) == sorted(y)
    np.testing.assert_array_equal(np.bincount(y, minlength=3), np.bincount(ours.sample(30)[1], minlength=3))
    X32 = X.astype(np.float32)
    assert ours.score_samples(X32).dtype == np.float64 and ours.predict_proba(X32).dtype == np.float64
    assert type(ours.score(X)) is np.float64 and type(ours.lower_bound_) is np.float64
    f32 = GaussianMixture(3, random_state=0).fit(X32)
    assert type(f32.lower_bound_) is np.float32 and all(type(v) is np.float32 for v in f32.lower_bounds_)
    assert f32.score_samples(X32).dtype == np.float32 and f32.score_samples(X).dtype == np.float64


def test_verbose_announces_each_initialization_before_it_runs(capsys):
    X = blobs()
    GaussianMixture(3, n_init=2, verbose=2, verbose_interval=1, random_state=0).fit(X)
    lines = capsys.readouterr().out.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Initialization ") and line.split()[1].isdigit()]
    assert [lines[i] for i in starts] == ["Initialization 0", "Initialization 1"]
    # Each start's announcement comes before its iterations.
    assert lines[starts[0] + 1].startswith("  Iteration 1") and lines[starts[1] + 1].startswith("  Iteration 1")


# ---- Bernoulli, categorical and Poisson mixtures ----

from swiftgmm import BernoulliMixture, CategoricalMixture, PoissonMixture  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "GMMTests", "Fixtures")


def discrete_fixture(family):
    with open(os.path.join(FIXTURES, f"discrete_{family}.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("family", ["bernoulli", "categorical", "poisson"])
def test_discrete_families_match_an_independent_numpy_em(family):
    """The fixtures' NumPy EM (Tests/GMMTests/Fixtures/make_discrete_fixtures.py), from the same
    start: every iteration's lower bound to 1e-10, parameters to 1e-8."""
    f = discrete_fixture(family)
    X = np.array(f["X"]).reshape(f["n"], f["d"])
    k = f["k"]
    start = np.array(f["means_init"]).reshape(k, -1)
    common = dict(n_components=k, tol=0, max_iter=len(f["lower_bounds"]), pseudo_count=f["pseudo_count"],
                  weights_init=f["weights_init"])
    if family == "categorical":
        offsets = np.concatenate([[0], np.cumsum(f["categories"])])
        blocks = [start[:, offsets[i]:offsets[i + 1]] for i in range(len(f["categories"]))]
        model = CategoricalMixture(probabilities_init=blocks, **common)
    else:
        model = (BernoulliMixture if family == "bernoulli" else PoissonMixture)(means_init=start, **common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    np.testing.assert_allclose(model.lower_bounds_, f["lower_bounds"], rtol=1e-10)
    np.testing.assert_allclose(model.weights_, f["weights"], rtol=1e-8)
    values = np.hstack(model.probabilities_) if family == "categorical" else model.means_
    np.testing.assert_allclose(values.ravel(), f["means"], rtol=1e-8, atol=1e-12)
    assert all(b >= a - 1e-12 * abs(a) for a, b in zip(model.lower_bounds_, model.lower_bounds_[1:]))


def binary_data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 3, n)
    mu = np.array([[.9, .9, .1, .1, .8], [.1, .2, .9, .8, .1], [.5, .1, .1, .9, .9]])
    return (rng.random((n, 5)) < mu[z]).astype(np.float64)


def test_discrete_estimators_follow_scikit_learns_contract(tmp_path):
    X = binary_data()
    bm = BernoulliMixture(3, n_init=2, random_state=0)
    assert clone(bm).get_params() == bm.get_params()
    bm.fit(X)
    again = pickle.loads(pickle.dumps(bm))
    np.testing.assert_array_equal(again.score_samples(X), bm.score_samples(X))
    np.testing.assert_array_equal(bm.fit_predict(X), bm.predict(X))
    search = GridSearchCV(BernoulliMixture(random_state=0), {"n_components": [1, 2, 3]}, cv=3).fit(X)
    assert search.best_params_["n_components"] == 3
    assert make_pipeline(BernoulliMixture(2, random_state=0)).fit(X).score(X) < 0
    n, d = X.shape
    assert bm._n_parameters() == 3 * d + 2
    np.testing.assert_allclose(bm.bic(X), -2 * bm.score(X) * n + bm._n_parameters() * np.log(n))
    # Same start, same model as the command line, bit for bit.
    if os.environ.get("GMM_CLI"):
        start = tmp_path / "start.json"
        start.write_text(json.dumps({"family": "bernoulli", "weights": bm.weights_.tolist(), "means": bm.means_.tolist()}))
        np.save(tmp_path / "X.npy", X)
        cli("fit", str(tmp_path / "X.npy"), "--family", "bernoulli", "--init-model", str(start), "--tol", "0",
            "--max-iter", "7", "-o", str(tmp_path / "cli.json"), "-q")
        ours = BernoulliMixture(3, tol=0, max_iter=7, weights_init=bm.weights_, means_init=bm.means_)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours.fit(X)
        ours.save_model(tmp_path / "py.json")
        a, b = json.loads((tmp_path / "py.json").read_text()), json.loads((tmp_path / "cli.json").read_text())
        for field in ["weights", "means", "lower_bounds", "lower_bound"]:
            assert a[field] == b[field], field


def test_discrete_bad_input_names_row_and_column():
    X = binary_data(50)
    cases = [
        (BernoulliMixture(2), np.where(np.arange(X.size).reshape(X.shape) == 7, 1.5, X),
         "Input X contains 1.5 at row 1, column 2: Bernoulli data must lie in [0, 1]."),
        (PoissonMixture(2), np.where(np.arange(X.size).reshape(X.shape) == 7, -3, X),
         "Input X contains -3.0 at row 1, column 2: Poisson data must be non-negative integer counts (at most 2^53)."),
        (PoissonMixture(2), np.where(np.arange(X.size).reshape(X.shape) == 7, 0.5, X),
         "Input X contains 0.5 at row 1, column 2: Poisson data must be non-negative integer counts (at most 2^53)."),
        (CategoricalMixture(2, categories=[2] * 5), np.where(np.arange(X.size).reshape(X.shape) == 7, 2, X),
         "Input X contains 2.0 at row 1, column 2: categorical codes of feature 2 must be integers in [0, 1] (2 categories)."),
    ]
    for estimator, data, message in cases:
        with pytest.raises(ValueError) as info:
            estimator.fit(data)
        assert str(info.value) == message
    with pytest.raises(ValueError, match="Input X contains NaN"):
        BernoulliMixture(2).fit(np.where(X == 1, np.nan, X))
    with pytest.raises(NotFittedError):
        PoissonMixture(2).predict(X)
    fitted = CategoricalMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="categorical codes of feature 0 must be integers in \\[0, 1\\]"):
        fitted.predict(X + 1)


def test_discrete_checkpoint_resume_and_warm_start(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.poisson(np.where(rng.random((3000, 1)) < 0.5, [[1.0, 8.0]], [[7.0, 2.0]])).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole = PoissonMixture(2, tol=0, max_iter=12, random_state=3).fit(X)
        saved = tmp_path / "c.json"
        PoissonMixture(2, tol=0, max_iter=12, random_state=3, checkpoint=saved, checkpoint_every=5).fit(X)
        resumed = PoissonMixture(2, tol=0, max_iter=12, random_state=3).fit(X, resume=saved)
        np.testing.assert_array_equal(resumed.means_, whole.means_)
        warm = PoissonMixture(2, tol=0, max_iter=6, random_state=3, warm_start=True).fit(X)
        warm.fit(X)
    np.testing.assert_array_equal(warm.means_, whole.means_)


# ---- found by an adversarial review ----

def test_predict_proba_follows_the_fitted_components_not_n_components():
    X = blobs()
    gm = GaussianMixture(3, random_state=0).fit(X)
    expected = gm.predict_proba(X)
    for k in (1, 5):
        gm.set_params(n_components=k)  # no refit: scikit-learn keeps using the fitted parameters
        np.testing.assert_array_equal(gm.predict_proba(X), expected)


def test_an_exception_from_a_signal_handler_stops_the_fit_before_it_is_raised():
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        pytest.skip("needs the main thread and setitimer")
    X = np.random.default_rng(1).normal(size=(60000, 8))

    def on_alarm(signum, frame):
        raise TimeoutError("too long")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(TimeoutError):
            GaussianMixture(12, random_state=0, max_iter=100000, tol=0).fit(X)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # The fit was stopped and waited for: no helper thread runs on.
    assert not [t for t in threading.enumerate() if t.name == "swiftgmm-fit"]
    assert GaussianMixture(2, random_state=0).fit(X[:1000]).converged_


def test_error_messages_are_intact_when_threads_share_an_estimator():
    X = blobs()
    gm = GaussianMixture(3, random_state=0).fit(X)
    bad = np.array([[1e300, 0.0, 0.0]])
    messages, stop = [], threading.Event()

    def good():
        while not stop.is_set():
            gm.predict(X[:4])

    workers = [threading.Thread(target=good) for _ in range(2)]
    for w in workers:
        w.start()
    try:
        for _ in range(3000):
            try:
                gm.predict(bad)
            except ValueError as error:
                messages.append(str(error))
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert len(set(messages)) == 1 and "1e+300 at row 0, column 0" in messages[0], set(messages)


def test_outputs_never_replace_devices_or_write_through_symlinks(tmp_path):
    X = blobs()
    gm = GaussianMixture(2, random_state=0).fit(X)
    if os.path.exists("/dev/null"):
        with pytest.raises(OSError, match="is not a regular file"):
            gm.save_model("/dev/null")
        assert not os.path.isfile("/dev/null")
        with pytest.raises(OSError, match="is not a regular file"):
            GaussianMixture(2, checkpoint="/dev/null").fit(X)
    with pytest.raises(OSError, match="is a directory"):
        GaussianMixture(2, checkpoint=tmp_path).fit(X)
    with pytest.raises(OSError, match="its directory does not exist"):
        GaussianMixture(2, checkpoint=tmp_path / "missing" / "c.json").fit(X)
    target = tmp_path / "model.json"
    target.write_text("old")
    (tmp_path / "link.json").symlink_to(target)
    gm.save_model(tmp_path / "link.json")  # the link becomes the model; the file it named is kept
    assert not (tmp_path / "link.json").is_symlink() and target.read_text() == "old"
    assert json.loads((tmp_path / "link.json").read_text())["n_components"] == 2
    with pytest.raises(ValueError, match="embedded null byte"):
        gm.save_model(str(tmp_path / "a\x00b"))
    with pytest.raises(ValueError, match="embedded null byte"):
        GaussianMixture(2).fit(X, resume=str(tmp_path / "a\x00b"))


def test_huge_counts_are_honoured_not_wrapped():
    X = blobs()
    gm = GaussianMixture(3, max_iter=2**64, random_state=0).fit(X)
    assert gm.converged_ and gm.n_iter_ > 0
    GaussianMixture(3, checkpoint_every=2**64, random_state=0).fit(X)


def test_a_warm_start_after_pickling_continues_as_the_original():
    X = blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        g = GaussianMixture(2, random_state=0, warm_start=True, max_iter=3).fit(X)
        h = pickle.loads(pickle.dumps(g))
        g.fit(X)
        h.fit(X)
    assert g.n_iter_ == h.n_iter_ and g.lower_bounds_ == h.lower_bounds_
    np.testing.assert_array_equal(g.means_, h.means_)


def test_discrete_edge_cases_found_by_review():
    rng = np.random.default_rng(0)
    # A huge count no longer rounds the other rows away (the -log x! terms are added per row).
    X = rng.poisson(3, (1000, 1)).astype(np.float64)
    X[0, 0] = 1e15
    m = PoissonMixture(2, random_state=0).fit(X)
    np.testing.assert_allclose(m.score(X), m.score_samples(X).mean(), rtol=1e-12)
    from scipy.special import gammaln, logsumexp
    logp = np.log(m.weights_) + X @ np.log(m.means_).T - m.means_.sum(1) - gammaln(X + 1)
    np.testing.assert_allclose(m.score(X), logsumexp(logp, axis=1).mean(), rtol=1e-12)
    # Sampling a huge rate, and codes that would need more categories than supported.
    m.means_ = m.means_.copy()
    m.means_[0, 0] = 1e19
    assert np.all(m.sample(5)[0] >= 0)
    with pytest.raises(ValueError, match="at most 65536 categories"):
        CategoricalMixture(1).fit(np.array([[0.0], [2.0**53]]))
    with pytest.raises(ValueError, match="positive integers"):
        CategoricalMixture(2, categories=[3.9, 2]).fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="probabilities_init\\[0\\]"):
        CategoricalMixture(2, weights_init=[.5, .5], probabilities_init=[np.full(3, 1 / 3), np.full(2, .5)]).fit(np.zeros((4, 2)))
    # Re-seeding also covers a component the start leaves empty.
    dup = np.array([[0, 0], [0, 0], [1, 1], [1, 1], [0, 1], [0, 1]], dtype=np.float64)
    assert BernoulliMixture(4, on_degenerate="reseed", random_state=1).fit(dup).converged_
    # A pseudo-count (or weights) beyond what doubles hold: the estimates sit at the prior's mode.
    B = binary_data(200)
    far = BernoulliMixture(2, pseudo_count=1e308, random_state=0).fit(B)
    np.testing.assert_allclose(far.means_, 0.5)
    tiny = BernoulliMixture(2, random_state=0).fit(B, sample_weight=np.full(len(B), 1e-309))
    assert np.all(np.isfinite(tiny.means_)) and np.isfinite(tiny.lower_bound_)
    with pytest.raises(ValueError, match="but BernoulliMixture is expecting 5 features"):
        far.predict(B[:, :3])
