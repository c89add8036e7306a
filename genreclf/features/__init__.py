"""Audio feature transformers (scikit-learn API). See :mod:`genreclf.features.base` for the shared parameters."""
from ._cache import CacheWarning
from .base import BaseAudioTransformer, FrameFeatureTransformer
from .frames import FrameStatistics, SequenceScaler, frame_statistics
from .gtzan import GTZAN_COLUMNS, GTZANFeatures
from .spectral import (
                       ChromaTransformer,
                       MelSpectrogramTransformer,
                       MFCCTransformer,
                       SpectralTransformer,
                       TempoTransformer,
)

__all__ = ["BaseAudioTransformer", "FrameFeatureTransformer", "FrameStatistics", "SequenceScaler",
           "frame_statistics", "GTZAN_COLUMNS", "GTZANFeatures", "ChromaTransformer", "MelSpectrogramTransformer",
           "MFCCTransformer", "SpectralTransformer", "TempoTransformer", "CacheWarning"]
