"""Read a file shipped in one of the package's data packages (``delegopts.grammars``).

``importlib.resources`` is the general API, but importing it (its readers pull in
zipfile, tempfile and shutil) costs about 20 ms, half of Python's own start-up, and
every command reads a grammar's tables. The loader that imported the package can read
the package's files itself with ``get_data``, from a directory or a zip archive alike
(this is what ``pkgutil.get_data`` does); packages whose loader cannot are read through
``importlib.resources``.

>>> read_text("delegopts.grammars", "options.lark").startswith("//")
True
"""

from __future__ import annotations

import importlib
import os

__all__ = ["read_bytes", "read_text"]


def read_bytes(package: str, name: str) -> bytes:
    """The bytes of the file ``name`` in ``package``; OSError if there is none."""
    module = importlib.import_module(package)
    loader = getattr(module.__spec__, "loader", None)
    get_data = getattr(loader, "get_data", None)
    origin = getattr(module, "__file__", None)
    if get_data is not None and origin is not None:
        data: bytes = get_data(os.path.join(os.path.dirname(origin), name))
        return data
    from importlib import resources

    return resources.files(package).joinpath(name).read_bytes()


def read_text(package: str, name: str) -> str:
    """The text (UTF-8) of the file ``name`` in ``package``."""
    return read_bytes(package, name).decode("utf-8")
