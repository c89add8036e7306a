"""Helpers that write test audio (and non-audio) files; shared by the test modules in this folder."""
import struct
import zlib

import numpy as np
import soundfile as sf

SR = 22050


def tone_at(sr, seconds=1.0, freq=440.0, amp=0.5):
    """A sine of ``seconds`` at ``sr`` Hz, float32."""
    t = np.arange(int(round(seconds * sr))) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write(path, y, sr=SR, subtype="FLOAT"):
    """Write (n,) or (n_channels, n) samples; FLOAT keeps float32 samples bit for bit."""
    y = np.asarray(y)
    sf.write(str(path), y.T if y.ndim == 2 else y, sr, subtype=subtype)
    return str(path)


def png_bytes():
    """A real 1x1 PNG image, built by hand (no imaging library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


class _Planted:
    """Unpickled, it creates the file ``marker``: a stand-in for any code a hostile pickle could run."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def planted_pickle(marker):
    """The bytes of a pickle that creates the file ``marker`` when loaded (what an attacker would plant)."""
    import pickle

    return pickle.dumps(_Planted(str(marker)))
