"""Keep the noise of the libraries genreclf calls off the user's terminal: their lines, not genreclf's.

TensorFlow's native code prints its start-up logs (absl's "All log messages before absl::InitializeLog()", "Could
not find cuda drivers", the CPU-feature banner, "failed call to cuInit" on a machine without a GPU) straight to the
process's stderr, below Python, whatever ``TF_CPP_MIN_LOG_LEVEL`` says for some of them; mpg123 prints "error:
part2_3_length ... too large" when libsndfile seeks to the end of an MP3, although every sample decodes.
:func:`quiet_stderr` catches what native code writes to file descriptor 2 while a block runs and writes back every
line that is not one of those known messages, so a real error still reaches the user.
"""
import contextlib
import os
import re
import sys
import tempfile
import threading

__all__ = ["quiet_stderr", "TENSORFLOW_NOISE", "DECODER_NOISE"]

#: TensorFlow's start-up lines on a CPU-only machine (none of them is about the user's data or model).
TENSORFLOW_NOISE = re.compile(
    r"All log messages before absl::InitializeLog|cudart_stub\.cc|cuda_platform\.cc|cuda_executor\.cc|"
    r"cpu_feature_guard\.cc|To enable the following instructions|rebuild TensorFlow with the appropriate compiler|"
    r"oneDNN custom operations are on|Unable to register cu(DNN|FFT|BLAS) factory|computation placer already|"
    r"TF-TRT Warning")
#: mpg123's complaints when libsndfile seeks inside an MP3 (the decoded samples are checked separately).
DECODER_NOISE = re.compile(r"^\[src/libmpg123/|^Note: Illegal Audio-MPEG-Header|^Note: Trying to resync")

_LOCK = threading.RLock()  # one redirection at a time: file descriptor 2 belongs to the whole process


@contextlib.contextmanager
def quiet_stderr(noise):
    """Inside the block, lines that native code writes to stderr and that match ``noise`` are dropped; every other
    line is written to stderr when the block ends (also when it raises).

    Parameters
    ----------
    noise : re.Pattern
        Searched in each line.

    Examples
    --------
    >>> import os, re
    >>> with quiet_stderr(re.compile("chatter")):
    ...     _ = os.write(2, b"decoder chatter\\n")
    """
    fd = 2  # where native code writes, whatever Python's sys.stderr is (a notebook's, a test's capture)
    with _LOCK, tempfile.TemporaryFile() as caught:
        try:
            saved = os.dup(fd)
        except OSError:  # no file descriptor 2 at all
            yield
            return
        _flush()
        os.dup2(caught.fileno(), fd)
        try:
            yield
        finally:
            _flush()
            os.dup2(saved, fd)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().splitlines(keepends=True)
                    if not noise.search(line.decode(errors="replace"))]
            if kept:
                os.write(fd, b"".join(kept))


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
