"""Standard input as a file, for readers that need one (BTF sources seek)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

__all__ = ["stdin_file"]


@contextmanager
def stdin_file(stdin: TextIO) -> Iterator[str]:
    """Standard input's bytes (``take_stdin``'s stream) in a temporary file removed on
    exit, for readers that need a file (BTF sources seek); at most the decompression limit
    is copied."""
    import tempfile

    from delegopts.btf.decompress import DEFAULT_LIMIT
    from delegopts.errors import BTFError, InputError

    raw = getattr(stdin, "buffer", None)
    if raw is None:
        raise InputError("-", "standard input has no bytes to read here (it is text)")
    with tempfile.NamedTemporaryFile(prefix="delegopts-stdin-") as spool:
        copied = 0
        while chunk := raw.read(1 << 20):
            copied += len(chunk)
            if copied > DEFAULT_LIMIT:
                raise InputError("-", f"standard input holds more than {DEFAULT_LIMIT} bytes")
            spool.write(chunk)
        spool.flush()
        try:
            yield spool.name
        except BTFError as error:  # name standard input, not the temporary file
            error.source = error.source.replace(spool.name, "<stdin>")
            raise
