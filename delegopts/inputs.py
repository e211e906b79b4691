"""Open an input file without surprises: regular files only, never a hang on a FIFO.

``open(path)`` on a FIFO with no writer blocks forever, and a directory or a device is
no input delegopts can read. :func:`open_regular` opens without blocking, checks what
it opened (no race between a check and the open), and refuses anything but a regular
file with an :class:`~delegopts.errors.InputError` that says what it is and what to do.

>>> open_regular("/")
Traceback (most recent call last):
...
delegopts.errors.InputError: /: is a directory, not a regular file
"""

from __future__ import annotations

import os
import stat

from delegopts.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO


__all__ = ["open_regular"]

_KINDS = (
    (stat.S_ISDIR, "a directory", ""),
    (stat.S_ISFIFO, "a FIFO", "; to read a pipe, give '-' and redirect it to standard input"),
    (stat.S_ISSOCK, "a socket", ""),
    (stat.S_ISCHR, "a character device", ""),
    (stat.S_ISBLK, "a block device", ""),
)


def open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file; else InputError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise InputError(
            path, f"cannot read: {error.strerror or error}", errno=error.errno
        ) from error
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what, hint = next(
                ((name, hint) for test, name, hint in _KINDS if test(mode)), ("special", "")
            )
            raise InputError(path, f"is {what}, not a regular file{hint}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
