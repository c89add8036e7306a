"""Overhead of CNNClassifier over raw Keras: the seed CNN, same data, same epochs, in one run.

Trains the CNN of the CNN notebook (Conv 48/32/16, 25,162 parameters) on synthetic MFCC-like segments
(default: 2,000 segments of 130 frames x 13 coefficients, 10 classes) for the same number of epochs with the same
batch size and optimizer, once through plain Keras code (the notebook's Sequential model, compiled by keyword) and
once through ``genreclf.CNNClassifier``, alternating the two ``--repeats`` times. Prints wall and CPU time of each
and the overhead of the wrapper (median over repeats). Target: <= 5%.

The first fit of a process pays TensorFlow's start-up, so one untimed warm-up fit of each kind runs first.

    python benchmarks/bench_keras_overhead.py                 # 2000 x 130 x 13, 5 epochs, 3 repeats
    python benchmarks/bench_keras_overhead.py --seeded        # both seeded + op determinism (random_state=0)
"""
import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def make_data(n, n_frames, n_coefs, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    X = rng.normal(size=(n, n_frames, n_coefs)).astype(np.float32)
    X[np.arange(n), :, y % n_coefs] += 0.5  # a learnable class signal
    return X, y


def raw_keras(X, y, epochs, batch_size, seed):
    """What a user writes by hand: the notebook's model, Adam 1e-4, sparse categorical cross-entropy."""
    import keras

    if seed is not None:
        import tensorflow as tf
        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
    L = keras.layers
    model = keras.Sequential([
        keras.Input(shape=X.shape[1:] + (1,)),
        L.Conv2D(48, (4, 4), activation="relu"), L.MaxPool2D((4, 4), (2, 2), "same"), L.BatchNormalization(),
        L.Conv2D(32, (3, 3), activation="relu"), L.MaxPool2D((3, 3), (2, 2), "same"), L.BatchNormalization(),
        L.Conv2D(16, (2, 2), activation="relu"), L.MaxPool2D((2, 2), (2, 2), "same"), L.BatchNormalization(),
        L.Flatten(), L.Dense(32, activation="relu"), L.Dropout(0.3), L.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X[..., np.newaxis], y, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def wrapped(X, y, epochs, batch_size, seed):
    from genreclf import CNNClassifier

    return CNNClassifier(epochs=epochs, batch_size=batch_size, learning_rate=1e-4, random_state=seed).fit(X, y)


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="segments (default 2000)")
    parser.add_argument("--frames", type=int, default=130)
    parser.add_argument("--coefs", type=int, default=13)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeded", action="store_true", help="seed both runs (random_state=0, op determinism)")
    args = parser.parse_args(argv)
    if args.classes != 10:
        parser.error("the seed CNN has a 10-way softmax: keep --classes 10")

    X, y = make_data(args.n, args.frames, args.coefs, args.classes)
    seed = 0 if args.seeded else None
    run = (X, y, args.epochs, args.batch_size, seed)
    print(f"data: {X.shape} float32, {args.classes} classes; {args.epochs} epochs, batch {args.batch_size}, "
          f"seeded={args.seeded}", flush=True)
    timed(raw_keras, X[:256], y[:256], 1, args.batch_size, seed)  # warm-up: TensorFlow start-up, kernels
    timed(wrapped, X[:256], y[:256], 1, args.batch_size, seed)

    times = {"raw Keras": [], "CNNClassifier": []}
    for r in range(args.repeats):
        for name, fn in [("raw Keras", raw_keras), ("CNNClassifier", wrapped)] if r % 2 == 0 else \
                [("CNNClassifier", wrapped), ("raw Keras", raw_keras)]:
            wall, cpu = timed(fn, *run)
            times[name].append((wall, cpu))
            print(f"  repeat {r + 1}: {name:14s} wall {wall:7.2f} s   cpu {cpu:7.2f} s", flush=True)

    med = {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for name, t in times.items()}
    for name, (wall, cpu) in med.items():
        print(f"median {name:14s} wall {wall:7.2f} s   cpu {cpu:7.2f} s")
    raw, ours = med["raw Keras"], med["CNNClassifier"]
    print(f"overhead of CNNClassifier: wall {100 * (ours[0] / raw[0] - 1):+.1f}%   "
          f"cpu {100 * (ours[1] / raw[1] - 1):+.1f}%   (target <= 5%)")


if __name__ == "__main__":
    main()
