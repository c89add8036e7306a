"""Shared fixtures. Real GTZAN material lives in ``../shared`` beside the checkout; tests that need it
skip cleanly when it is absent, and synthetic signals keep the suite meaningful without it."""
import os
import shutil
from pathlib import Path

# One BLAS/OpenMP thread per test process, set before NumPy loads (subprocesses and joblib workers inherit it; a
# value set in the environment wins). The suite fits small models, where OpenBLAS's second thread mostly waits
# for its turn: on a busy 2-core machine, fitting a logistic regression to the 1000 x 57 bundled table took 6.2 s
# of CPU (22 s wall) with two threads against 0.1 s with one, and a 200-row stacking test 44 s against 15 s.
# The tests whose point is that results do not depend on the thread count use the blas_threads fixture.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# numba caches librosa's compiled kernels beside librosa (its cache=True). Two pytest-xdist workers compiling
# different signatures of one kernel at the same moment can leave an index that points at the other's code, and
# the next process to load it crashes: on CI a fresh venv's cache of librosa's _parabolic_interpolation made every
# GTZANFeatures worker die with SIGSEGV. Each xdist worker compiles into a cache folder of its own (its joblib
# workers inherit it, and run the same code), unless the user set one.
if os.environ.get("PYTEST_XDIST_WORKER") and "NUMBA_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix=f"genreclf-numba-{os.environ['PYTEST_XDIST_WORKER']}-")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

SR = 22050
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GENRECLF_SHARED", REPO.parent / "shared"))
CORRUPT = "jazz.00054.wav"


@pytest.fixture(scope="session")
def shared_dir():
    if not (SHARED / "data").is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def subset_paths(shared_dir):
    """The 46 good real GTZAN clips (sorted), without the corrupt one."""
    paths = sorted(p for p in (shared_dir / "data" / "gtzan_subset").glob("*/*.wav") if p.name != CORRUPT)
    if not paths:
        pytest.skip("no clips in shared/data/gtzan_subset")
    return [str(p) for p in paths]


@pytest.fixture(scope="session")
def corrupt_clip(shared_dir):
    path = shared_dir / "data" / "gtzan_subset" / "jazz" / CORRUPT
    if not path.exists():
        pytest.skip("the corrupt clip is absent")
    return str(path)


@pytest.fixture
def blas_threads():
    """BLAS on two threads in this process during the test, as a user's process has it (the suite runs on one,
    see above): for the tests whose point is that the result does not depend on the number of threads."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2):
        yield


@pytest.fixture(scope="session")
def _default_model_fitted_once(tmp_path_factory):
    from genreclf.prediction import default_model

    home = tmp_path_factory.mktemp("default-model-home")
    default_model(data_home=home)
    return home


@pytest.fixture
def default_model_home(_default_model_fitted_once, tmp_path):
    """A data home of this test's own that already holds the default model, fitted once per session (fitting it
    is tested in test_prediction.py::test_default_model_is_fitted_once_then_loaded)."""
    home = tmp_path / "home"
    shutil.copytree(_default_model_fitted_once, home)
    return home


@pytest.fixture
def tone():
    """1 s of a 440 Hz sine at 22,050 Hz, float32."""
    t = np.arange(SR) / SR
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@pytest.fixture
def noise():
    """1 s of white noise at 22,050 Hz, float32."""
    return np.random.default_rng(0).normal(scale=0.1, size=SR).astype(np.float32)


@pytest.fixture
def failing_cache_io(monkeypatch):
    """``failing_cache_io(call, errno, message)``: the cache's ``tempfile.<call>`` raises that ``OSError`` from now
    on (``"mkstemp"``: every write fails, as on a full disk; ``"NamedTemporaryFile"``: the probe before any work
    fails, as in a read-only folder, which does not stop root)."""
    from genreclf.features import _cache

    def fail(call, errno, message):
        def raises(*args, **kwargs):
            raise OSError(errno, message)

        monkeypatch.setattr(_cache.tempfile, call, raises)

    return fail


@pytest.fixture
def tasks_sent(monkeypatch):
    """``tasks_sent(module)``: from now on, the ``Parallel`` that ``module`` looks up records how many tasks each
    call receives (and runs them); returns that list."""

    def watch(module):
        sent, parallel = [], module.Parallel

        def counting(*args, **kwargs):
            def run(tasks):
                tasks = list(tasks)
                sent.append(len(tasks))
                return parallel(*args, **kwargs)(tasks)

            return run

        monkeypatch.setattr(module, "Parallel", counting)
        return sent

    return watch
