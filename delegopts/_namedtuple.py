"""``NamedTuple`` for the value classes, without importing :mod:`typing` at run time.

Type checkers see :class:`typing.NamedTuple` itself. At run time a class written
``class Span(NamedTuple): ...`` becomes the class :func:`collections.namedtuple` makes,
with the body's docstring, methods and properties, exactly what ``typing.NamedTuple``
returns, but without what makes that slow to start: importing ``typing`` (2.5 ms, and it
imports ``re``'s dependencies and ``contextlib``) and turning every field's annotation,
a string under ``from __future__ import annotations``, into a ``ForwardRef`` by compiling
it (about 150 µs a class). Every command defines a dozen or more of these classes before
it reads its input (docs/DEVELOPING.md, "Start-up"). The one difference: ``__annotations__``
holds the strings as written, as any class's does; ``typing.get_type_hints`` reads both alike.

>>> class Span(NamedTuple):
...     start: int
...     end: int = 0
...     @property
...     def width(self) -> int:
...         return self.end - self.start
>>> Span(2, 5), Span(2, 5).width, Span(3)._replace(end=4)
(Span(start=2, end=5), 3, Span(start=3, end=4))
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple
else:
    from collections import namedtuple as _namedtuple

    # What typing.NamedTuple refuses in a class body, and what it does not copy onto the class.
    _PROHIBITED = frozenset(
        {"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults"}
        | {"_make", "_replace", "_asdict", "_source"}
    )
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    class _NamedTupleMeta(type):
        def __new__(mcs, typename, bases, namespace):
            if namespace.get("_root", False):
                return super().__new__(mcs, typename, bases, namespace)
            if bases != (NamedTuple,):
                raise TypeError("a NamedTuple class can only inherit from NamedTuple")
            fields = list(namespace.get("__annotations__", {}))
            defaults = []
            for field in fields:
                if field in namespace:
                    defaults.append(namespace[field])
                elif defaults:
                    raise TypeError(f"field {field} has no default but follows one that has")
            made = _namedtuple(typename, fields, defaults=defaults, module=namespace["__module__"])
            made.__annotations__ = dict(namespace.get("__annotations__", {}))
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
                if key not in _SPECIAL and key not in made._fields:
                    setattr(made, key, value)
                    set_name = getattr(value, "__set_name__", None)
                    if set_name is not None:
                        set_name(made, key)
            return made

    class NamedTuple(metaclass=_NamedTupleMeta):
        _root = True


__all__ = ["NamedTuple"]
