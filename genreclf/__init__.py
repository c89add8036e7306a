"""genreclf: music genre classification the scikit-learn way.

Audio feature extractors are scikit-learn transformers, Keras networks are scikit-learn classifiers,
and evaluation is honest by default (split and scored by track, artist-filtered split one argument away).

Names are imported lazily on first use, so ``import genreclf`` loads neither TensorFlow nor matplotlib.
"""
import importlib

__version__ = "0.2.0.dev0"

# public name -> module that defines it (one place; `dir(genreclf)` lists them)
_EXPORTS = {
    "genreclf.audio": ["load_audio", "AudioLoadError", "AudioLoadWarning"],
    "genreclf.features": ["MFCCTransformer", "MelSpectrogramTransformer", "ChromaTransformer",
                          "SpectralTransformer", "TempoTransformer", "GTZANFeatures", "FrameStatistics",
                          "SequenceScaler", "CacheWarning"],
    "genreclf.features.musicnn": ["MusicnnEmbedding", "MusicnnTagger"],
    "genreclf.models": ["CNNClassifier", "LSTMClassifier", "MLPClassifier", "SegmentClassifier",
                        "RejectOptionClassifier", "KerasWrapperClassifier", "WindowedClassifier"],
    "genreclf.datasets": ["load_gtzan_features", "load_feature_table", "gtzan_split", "ArtistFilteredSplit",
                          "track_id", "load_audio_folder", "gtzan_table", "fetch_gtzan", "get_data_home",
                          "segment_table"],
    "genreclf.baselines": ["make_baselines"],
    "genreclf.evaluation": ["benchmark"],
    "genreclf.prediction": ["predict_files", "default_model"],
    "genreclf._persistence": ["save_model", "load_model", "UnsafeModelError"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
_SUBMODULES = {"audio", "features", "models", "segments", "datasets", "baselines", "evaluation", "prediction",
               "plotting", "cli"}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"genreclf.{name}")
    raise AttributeError(f"module 'genreclf' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WHERE) | _SUBMODULES)
