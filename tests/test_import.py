"""``import genreclf`` stays light: no TensorFlow, Keras, scikeras or matplotlib until they are needed."""
import subprocess
import sys

import pytest

HEAVY = ("tensorflow", "keras", "scikeras", "matplotlib")


@pytest.mark.parametrize("statement", [
    "import genreclf",
    "from genreclf import MFCCTransformer, GTZANFeatures",
    "import genreclf.features, genreclf.audio; genreclf.load_audio; dir(genreclf)",
])
def test_import_does_not_load_heavy_libraries(statement):
    code = f"import sys; {statement}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{statement!r} imported {out.stdout.strip()}"


def test_feature_extraction_does_not_load_heavy_libraries():
    code = ("import sys, numpy as np; from genreclf import MFCCTransformer, GTZANFeatures; "
            "y = np.random.default_rng(0).normal(scale=0.1, size=(1, 22050)).astype(np.float32); "
            "MFCCTransformer(summary='mean_var').fit_transform(y); GTZANFeatures().fit_transform(y); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_unknown_attribute():
    import genreclf

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = genreclf.nope
    assert "MFCCTransformer" in dir(genreclf) and "MFCCTransformer" in genreclf.__all__
