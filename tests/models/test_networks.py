"""Network builders alone (aeon-style): layers, output shapes and parameter counts; no data, no training.

The expected numbers are those printed by the seed notebooks' ``model.summary()``."""
import math

import pytest

from genreclf.models.networks import MLP_PRESETS, build_cnn, build_lstm, build_mlp

keras = pytest.importorskip("keras")


def _summary(model):
    """[(layer class, output shape without batch, params)] for every layer after the input."""
    return [(type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params()) for layer in model.layers[1:]]


def test_cnn_defaults_are_the_seed_notebook_cnn():
    model = build_cnn((130, 13, 1), 10)
    assert _summary(model) == [
        ("Conv2D", (127, 10, 48), 816),
        ("MaxPooling2D", (64, 5, 48), 0),
        ("BatchNormalization", (64, 5, 48), 192),
        ("Conv2D", (62, 3, 32), 13856),
        ("MaxPooling2D", (31, 2, 32), 0),
        ("BatchNormalization", (31, 2, 32), 128),
        ("Conv2D", (30, 1, 16), 2064),
        ("MaxPooling2D", (15, 1, 16), 0),
        ("BatchNormalization", (15, 1, 16), 64),
        ("Flatten", (240,), 0),
        ("Dense", (32,), 7712),
        ("Dropout", (32,), 0),
        ("Dense", (10,), 330),
    ]
    assert model.count_params() == 25162
    assert sum(math.prod(w.shape) for w in model.non_trainable_weights) == 192  # BatchNorm moving statistics
    conv = model.layers[1]
    assert conv.get_config()["activation"] == "relu" and conv.get_config()["padding"] == "valid"
    pool = model.layers[2].get_config()
    assert pool["pool_size"] == (4, 4) and pool["strides"] == (2, 2) and pool["padding"] == "same"
    assert model.layers[-2].get_config()["rate"] == 0.3
    assert model.layers[-1].get_config()["activation"] == "softmax"


def test_cnn_knobs():
    model = build_cnn((20, 6, 1), 3, filters=(4, 8), kernel_sizes=3, pool_sizes=(2, 2), padding="same",
                      batch_norm=False, dense_units=(), dropout=0.0)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    assert model.output_shape == (None, 3)
    assert model.layers[1].get_config()["kernel_size"] == (3, 3)


@pytest.mark.parametrize("kwargs, message", [
    (dict(kernel_sizes=((2, 2), (2, 2))), "kernel_sizes has 2 entries but there are 3 layers"),
    (dict(filters=()), "filters=()"),
    (dict(dropout=1.0), "dropout=1.0"),
    (dict(padding="full"), "padding='full'"),
])
def test_cnn_errors_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_cnn((130, 13, 1), 10, **kwargs)


def test_cnn_input_too_small_for_valid_kernels_says_how_to_fix():
    with pytest.raises(ValueError, match="padding='same'"):
        build_cnn((57, 1, 1), 10)
    with pytest.raises(ValueError, match="positive dimensions"):
        build_cnn((130, 0, 1), 10)
    with pytest.raises(ValueError, match="more than the 3 dimensions"):
        build_cnn((130, 13, 1, 1), 10)


def test_samples_of_fewer_dimensions_get_trailing_axes_and_the_mlp_flattens():
    frames = build_cnn((130, 13), 10)  # MFCC frames read as a one-channel image
    assert type(frames.layers[1]).__name__ == "Reshape" and frames.layers[1].output.shape == (None, 130, 13, 1)
    assert frames.count_params() == build_cnn((130, 13, 1), 10).count_params() == 25162
    assert build_lstm((57,), 10).layers[1].output.shape == (None, 57, 1)
    flat = build_mlp((10, 4), 3, hidden_units=(8,))
    assert type(flat.layers[1]).__name__ == "Flatten" and flat.count_params() == 40 * 8 + 8 + 8 * 3 + 3
    with pytest.raises(ValueError, match="more than the 2 dimensions"):
        build_lstm((5, 4, 3), 2)


def test_builders_read_the_shapes_a_keras_wrapper_passes():
    import numpy as np

    meta = {"X_shape_": (100, 130, 13), "n_classes_": 4}     # scikeras' meta
    assert build_cnn(meta=meta).output.shape == (None, 4) and build_cnn(meta=meta).input.shape == (None, 130, 13)
    X, y = np.zeros((6, 57)), np.eye(3)[[0, 1, 2, 0, 1, 2]]  # keras.wrappers.SKLearnClassifier: X and one-hot y
    model = build_mlp(X=X, y=y, hidden_units=(8,))
    assert model.input.shape == (None, 57) and model.output.shape == (None, 3) and model.compiled
    assert not build_mlp((57,), 3).compiled
    with pytest.raises(TypeError, match="needs input_shape and n_classes"):
        build_mlp()


def test_lstm_defaults_are_the_seed_slides_lstm():
    model = build_lstm((50, 58), 10)  # the slides' summary: 31,488 parameters in the first LSTM => 58 inputs
    assert _summary(model) == [
        ("LSTM", (50, 64), 31488),
        ("LSTM", (64,), 33024),
        ("Dense", (64,), 4160),
        ("Dense", (10,), 650),
    ]
    assert model.layers[3].get_config()["activation"] == "relu"


def test_lstm_knobs():
    model = build_lstm((12, 4), 3, units=(8, 8, 4), dense_units=(), dropout=0.0)
    assert [type(layer).__name__ for layer in model.layers[1:]] == ["LSTM", "LSTM", "LSTM", "Dense"]
    assert [layer.get_config()["return_sequences"] for layer in model.layers[1:4]] == [True, True, False]


def _mlp(name, n_features=57):
    kwargs = {k: v for k, v in MLP_PRESETS[name].items() if k != "learning_rate"}
    return build_mlp((n_features,), 10, **kwargs)


def test_mlp_presets_match_the_seed_summaries():
    # the comparison slides, on the 57-feature table: the printed totals
    assert _mlp("wide_bn").count_params() == 765258
    assert [type(layer).__name__ for layer in _mlp("wide_bn").layers[1:4]] == ["Dense", "BatchNormalization",
                                                                              "Dropout"]
    assert _summary(_mlp("simple")) == [
        ("Dense", (512,), 29696), ("Dropout", (512,), 0),
        ("Dense", (256,), 131328), ("Dropout", (256,), 0),
        ("Dense", (64,), 16448), ("Dropout", (64,), 0),
        ("Dense", (10,), 650),
    ]
    # the course slides: 512-256-128-64-32, dropout 0.2 after each
    deep = _mlp("deep")
    assert [layer.output.shape[-1] for layer in deep.layers[1::2]] == [512, 256, 128, 64, 32, 10]
    assert all(layer.get_config()["rate"] == 0.2 for layer in deep.layers[2::2])
    # the 264-feature report: Dense 128 elu -> softmax
    minimal = _mlp("minimal", 264)
    assert _summary(minimal) == [("Dense", (128,), 264 * 128 + 128), ("Dense", (10,), 1290)]
    assert minimal.layers[1].get_config()["activation"] == "elu"


def test_mlp_defaults_are_the_deep_preset():
    assert build_mlp((57,), 10).count_params() == _mlp("deep").count_params()


def test_mlp_without_hidden_layers_is_softmax_regression():
    model = build_mlp((5,), 3, hidden_units=())
    assert _summary(model) == [("Dense", (3,), 18)]


def test_tensorflow_starts_quietly_through_genreclf(tmp_path):
    """A fresh process that trains a network through genreclf prints nothing on stderr: no absl, CUDA or CPU-feature
    lines from TensorFlow's native code (they bypass Python and TF_CPP_MIN_LOG_LEVEL)."""
    import os
    import subprocess
    import sys

    code = ("import numpy as np\n"
            "from genreclf.models import MLPClassifier\n"
            "X = np.random.default_rng(0).normal(size=(20, 3)).astype('float32')\n"
            "MLPClassifier(hidden_units=(4,), epochs=1, random_state=0).fit(X, [0, 1] * 10).predict(X)\n"
            "print('done')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr
    assert done.stderr == ""
