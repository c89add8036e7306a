"""GTZAN data: the bundled feature tables, the artist-filtered split, audio folders and the audio download.

What is where
-------------
- :func:`load_gtzan_features` — the published feature tables (57 columns). The 30 s table (1000 tracks) is
  bundled inside the package; the 3 s table is read from the user's own Kaggle download (``path=``).
  :func:`load_feature_table` reads those and any other CSV of features with a ``label`` column.
- :func:`gtzan_split` / :class:`ArtistFilteredSplit` — the artist-filtered ("fault-filtered") split of
  Kereliuk, Sturm & Larsen (2015), bundled as data files, as a mapping and as a scikit-learn splitter that
  matches rows by track id, so it serves 30 s rows, 3 s segment rows and audio paths alike.
- :func:`load_audio_folder` — genre sub-folders of audio files → paths, labels, track ids; unreadable
  files are reported (in the result and by a warning), never silently dropped.
- :func:`gtzan_table` — the published table (one row per clip, or per 3-second segment) computed from audio.
- :func:`fetch_gtzan` — download the audio archive to a cache (checksum, resume, atomic move), like
  ``sklearn.datasets.fetch_*``; :func:`get_data_home` is where it goes.
- :func:`track_id` — the one helper that turns any GTZAN name or path into its track id.

One module per concern (``_tables``, ``_track_ids``, ``_split``, ``_audio_folder``, ``_gtzan_table``,
``_fetch``, ``_base``); this package only re-exports them.
"""
from ..audio import AUDIO_EXTENSIONS
from ._audio_folder import load_audio_folder
from ._base import get_data_home
from ._fetch import GTZAN_URL, fetch_gtzan
from ._gtzan_table import gtzan_table, segment_table
from ._split import ArtistFilteredSplit, gtzan_split
from ._tables import load_feature_table, load_gtzan_features
from ._track_ids import track_id

__all__ = ["load_gtzan_features", "load_feature_table", "gtzan_split", "ArtistFilteredSplit", "track_id",
           "load_audio_folder", "gtzan_table", "segment_table", "fetch_gtzan", "get_data_home", "AUDIO_EXTENSIONS",
           "GTZAN_URL"]
