"""The base of the value classes that compare by meaning or identity, not field by field.

``Catalog``, ``EnumCatalog``, ``Mask`` and ``Options`` were frozen dataclasses; building a
dataclass runs generated code through ``exec`` (about 1 ms a class on a busy machine) and
importing ``dataclasses`` pulls in ``inspect``, ``ast`` and ``dis``: together a large part of
every command's start-up. Plain slotted classes cost nothing to define. Each sets its
fields once in ``__init__`` (with ``object.__setattr__``, as a frozen dataclass does), and
this base refuses any later change, so the values stay immutable.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


__all__ = ["Frozen"]


class Frozen:
    """Immutable slotted values; ``_shown`` lists the fields ``repr`` shows, ``_fields``
    the arguments of ``__init__`` in order (what a pickle holds)."""

    __slots__ = ()
    _shown: tuple[str, ...] = ()
    _fields: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle by value, through ``__init__`` (the default would set each slot, refused)."""
        return type(self), tuple(getattr(self, name) for name in self._fields)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{type(self).__name__}({fields})"
