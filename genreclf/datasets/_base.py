"""What the dataset loaders share: the data files shipped in the package, and the data home of downloads."""
import os
from importlib import resources

__all__ = ["get_data_home", "data_file", "descr"]


def data_file(*parts):
    """A file of ``genreclf/data`` (read with ``importlib.resources``, so it works from a wheel or a zip)."""
    return resources.files("genreclf").joinpath("data", *parts)


def descr(name):
    """The text of ``genreclf/data/descr/<name>``: the ``DESCR`` of a dataset's Bunch."""
    return data_file("descr", name).read_text(encoding="utf-8")


def get_data_home(data_home=None):
    """The folder where genreclf keeps downloads: ``data_home``, else ``$GENRECLF_DATA``, else
    ``~/genreclf_data``; created if missing.

    Parameters
    ----------
    data_home : str or os.PathLike, optional

    Returns
    -------
    str

    Examples
    --------
    >>> import os, tempfile
    >>> home = get_data_home(os.path.join(tempfile.mkdtemp(), "cache"))
    >>> os.path.isdir(home)
    True
    """
    source = "data_home"
    if data_home is None:
        source = "$GENRECLF_DATA" if "GENRECLF_DATA" in os.environ else "the default data home"
        data_home = os.environ.get("GENRECLF_DATA", os.path.join("~", "genreclf_data"))
    data_home = os.path.expanduser(os.fspath(data_home))
    if os.path.exists(data_home) and not os.path.isdir(data_home):
        fix = "point GENRECLF_DATA to a folder, or unset it" if source == "$GENRECLF_DATA" else "pass a folder"
        raise NotADirectoryError(f"genreclf's data home {data_home!r} (from {source}) is a file, not a folder: {fix}")
    os.makedirs(data_home, exist_ok=True)
    return data_home
