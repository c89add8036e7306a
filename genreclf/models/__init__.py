"""Neural networks as scikit-learn classifiers, and meta-estimators that decide per clip.

Importing this package does not import Keras or TensorFlow: they load when a network is first built
(or a fitted one unpickled).
"""
from .classifiers import BaseKerasClassifier, CNNClassifier, LSTMClassifier, MLPClassifier
from .networks import MLP_PRESETS, build_cnn, build_lstm, build_mlp
from .segment import RejectOptionClassifier, SegmentClassifier, WindowedClassifier
from .wrappers import KerasWrapperClassifier, as_classifier

__all__ = ["BaseKerasClassifier", "CNNClassifier", "LSTMClassifier", "MLPClassifier", "MLP_PRESETS",
           "RejectOptionClassifier", "SegmentClassifier", "WindowedClassifier", "KerasWrapperClassifier",
           "as_classifier", "build_cnn", "build_lstm", "build_mlp"]
