"""Regenerate the musicnn weights shipped in ``genreclf/data/musicnn/`` from the musicnn 0.1.0 wheel.

Not imported by genreclf at run time. It downloads the wheel from PyPI with pip (or uses one you pass),
reads the TensorFlow 1 checkpoints with TensorFlow's checkpoint reader (no musicnn code is run), keeps the
variables of the network (not Adam's slots nor the step counters), and writes one ``<model>.npz`` per model:
float32 arrays named by their checkpoint scope (``conv2d/kernel``, ``batch_normalization_3/moving_mean``...)
plus ``tags`` (the 50 tag names of ``musicnn/configuration.py``). It also copies musicnn's ISC license.

    python scripts/convert_musicnn_weights.py            # pip download musicnn==0.1.0 --no-deps
    python scripts/convert_musicnn_weights.py --wheel musicnn-0.1.0-py3-none-any.whl

The output is reproducible: ``np.savez_compressed`` with fixed member order and timestamps, so running it
twice gives byte-identical files; the SHA-256 of every file is printed.
"""
import argparse
import ast
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "genreclf" / "data" / "musicnn"
VERSION = "0.1.0"
#: SHA-256 of musicnn-0.1.0-py3-none-any.whl on PyPI.
WHEEL_SHA256 = "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa"
MODELS = {"MSD_musicnn": "MSD_LABELS", "MTT_musicnn": "MTT_LABELS"}

NOTICE = """\
The files {models} in this folder are the pretrained weights of the musicnn models,
converted to float32 NumPy arrays (scripts/convert_musicnn_weights.py) from the TensorFlow checkpoints
of musicnn {version} (https://github.com/jordipons/musicnn, https://pypi.org/project/musicnn/{version}/),
by Jordi Pons and Xavier Serra: "musicnn: pre-trained convolutional neural networks for music audio
tagging", Late-breaking/demo session of ISMIR 2019. The tag names come from its configuration.py.
They are distributed under musicnn's ISC license, reproduced below.

"""


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_wheel(dest):
    cmd = [sys.executable, "-m", "pip", "download", f"musicnn=={VERSION}", "--no-deps", "--only-binary=:all:",
           "-d", str(dest)]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    wheels = sorted(Path(dest).glob(f"musicnn-{VERSION}-*.whl"))
    if not wheels:
        sys.exit(f"pip did not download a musicnn {VERSION} wheel into {dest}")
    return wheels[0]


def read_labels(configuration_py, name):
    """Read a list constant from musicnn/configuration.py without importing it (it needs nothing, but safer)."""
    tree = ast.parse(configuration_py)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise KeyError(f"{name} not found in musicnn/configuration.py")


def read_checkpoint(prefix):
    """The network's variables of a TF1 checkpoint as float32 arrays (optimizer slots left out)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    # tf.train.load_checkpoint(folder) would follow the folder's "checkpoint" file, which points to the
    # author's machine; the reader opens the prefix itself
    reader = tf.compat.v1.train.NewCheckpointReader(prefix)
    out = {}
    for name in sorted(reader.get_variable_to_shape_map()):
        if "Adam" in name or name in ("beta1_power", "beta2_power", "global_step"):
            continue
        out[name] = np.ascontiguousarray(reader.get_tensor(name), dtype=np.float32)
    return out


def save_npz(path, arrays):
    """``np.savez_compressed`` with a fixed timestamp, so the bytes depend on the arrays only."""
    import io

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def check_against_network(model, arrays):
    """Load the arrays into genreclf's Keras network: every variable must find its layer, with its shape."""
    from genreclf.models.musicnn_network import WEIGHT_MAP

    scopes = {name.rsplit("/", 1)[0] for name in arrays if name != "tags"}
    mapped = {scope for scope, _ in WEIGHT_MAP}
    if scopes != mapped:
        sys.exit(f"{model}: checkpoint scopes {sorted(scopes ^ mapped)} do not match genreclf's WEIGHT_MAP")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="a local musicnn-0.1.0 wheel (default: pip download it)")
    parser.add_argument("--out", default=str(OUT), help=f"output folder (default: {OUT})")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="musicnn_") as tmp:
        wheel = Path(args.wheel) if args.wheel else download_wheel(tmp)
        digest = sha256(wheel)
        print(f"wheel {wheel.name} sha256 {digest}")
        if WHEEL_SHA256 is not None and digest != WHEEL_SHA256:
            sys.exit(f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256}")
        root = Path(tmp) / "unpacked"
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(root)
        configuration = (root / "musicnn" / "configuration.py").read_text()
        license_text = (root / f"musicnn-{VERSION}.dist-info" / "LICENSE.md").read_text()
        for model, labels_name in MODELS.items():
            # the checkpoint files are named ".index", ".data-00000-of-00001": the prefix is the folder + "/"
            arrays = read_checkpoint(str(root / "musicnn" / model) + "/")
            tags = read_labels(configuration, labels_name)
            if arrays["dense_1/bias"].shape != (len(tags),):
                sys.exit(f"{model}: {len(tags)} tags but an output layer of {arrays['dense_1/bias'].shape}")
            check_against_network(model, arrays)
            arrays["tags"] = np.array(tags, dtype=str)
            path = out / f"{model}.npz"
            save_npz(path, arrays)
            n_params = sum(a.size for k, a in arrays.items() if k != "tags")
            print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {len(arrays) - 1} arrays, "
                  f"{n_params:,} parameters, {path.stat().st_size / 1e6:.2f} MB, sha256 {sha256(path)}")
        (out / "LICENSE").write_text(NOTICE.format(models=", ".join(f"{m}.npz" for m in MODELS), version=VERSION)
                                     + license_text.strip() + "\n")
        print(f"wrote {out / 'LICENSE'}")


if __name__ == "__main__":
    main()
