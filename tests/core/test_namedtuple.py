"""delegopts._namedtuple.NamedTuple makes the classes typing.NamedTuple makes.

The value classes are written against typing.NamedTuple (what type checkers see) and made
at run time by a lighter metaclass over collections.namedtuple; these tests hold the two
to the same classes: fields, defaults, methods, properties, docstrings, pickling and the
errors for bodies that typing refuses.
"""

from __future__ import annotations

import importlib
import pickle
import pkgutil
import typing
from typing import Any

import pytest

import delegopts
from delegopts import _namedtuple

# Each body is run twice, with NamedTuple bound to typing's and to ours.
BODIES = {
    "plain": "class V(NamedTuple):\n    a: int\n    b: str\n",
    "defaults": "class V(NamedTuple):\n    a: int\n    b: str = 'x'\n    c: tuple[int, ...] = ()\n",
    "methods": (
        "class V(NamedTuple):\n"
        '    """A value."""\n'
        "    a: int\n"
        "    b: int = 1\n"
        "    LIMIT = 10\n"
        "    def total(self) -> int:\n"
        "        return self.a + self.b\n"
        "    @property\n"
        "    def over(self) -> bool:\n"
        "        return self.total() > self.LIMIT\n"
        "    @classmethod\n"
        "    def parse(cls, text: str) -> 'V':\n"
        "        return cls(*map(int, text.split(',')))\n"
        "    def __str__(self) -> str:\n"
        "        return f'{self.a},{self.b}'\n"
    ),
    "no fields": "class V(NamedTuple):\n    pass\n",
}

REFUSED = {
    "default before none": "class V(NamedTuple):\n    a: int = 1\n    b: str\n",
    "own __init__": "class V(NamedTuple):\n    a: int\n    def __init__(self): pass\n",
    "own _replace": "class V(NamedTuple):\n    a: int\n    def _replace(self): pass\n",
    "own __slots__": "class V(NamedTuple):\n    a: int\n    __slots__ = ()\n",
}


def _make(body: str, base: Any) -> Any:
    namespace: dict[str, Any] = {"NamedTuple": base, "__name__": "tests.namedtuple_body"}
    exec(compile("from __future__ import annotations\n" + body, "<body>", "exec"), namespace)
    return namespace["V"]


def _describe(cls: Any) -> dict[str, Any]:
    made = cls(*range(1, 1 + len(cls._fields) - len(cls._field_defaults)))
    return {
        "fields": cls._fields,
        "defaults": cls._field_defaults,
        # typing keeps ForwardRef('int') where ours keeps 'int', as any class does under
        # postponed annotations: what the annotations mean is the same
        "hints": typing.get_type_hints(cls),
        "doc": cls.__doc__,
        "mro": [base.__name__ for base in cls.__mro__],
        "slots": cls.__slots__,
        "value": made,
        "repr": repr(made),
        "str": str(made),
        "asdict": made._asdict(),
        "replaced": made._replace(**dict.fromkeys(cls._fields[:1], 7)),
        "members": sorted(name for name in vars(cls) if not name.startswith("__")),
        "has dict": hasattr(made, "__dict__"),
    }


@pytest.mark.parametrize("body", list(BODIES.values()), ids=list(BODIES))
def test_the_same_class_as_typing_makes(body: str) -> None:
    assert _describe(_make(body, _namedtuple.NamedTuple)) == _describe(
        _make(body, typing.NamedTuple)
    )


def test_methods_properties_and_classmethods_work() -> None:
    value = _make(BODIES["methods"], _namedtuple.NamedTuple)
    assert value(4).total() == 5
    assert value(10).over is True
    assert value.parse("2,3") == (2, 3)
    assert str(value(2, 3)) == "2,3"
    assert value.__qualname__ == "V"
    assert value.__module__ == "tests.namedtuple_body"


@pytest.mark.parametrize("body", list(REFUSED.values()), ids=list(REFUSED))
def test_refuses_what_typing_refuses(body: str) -> None:
    with pytest.raises((TypeError, AttributeError)) as theirs:
        _make(body, typing.NamedTuple)
    with pytest.raises(theirs.type):
        _make(body, _namedtuple.NamedTuple)


def test_refuses_other_bases() -> None:
    with pytest.raises(TypeError):
        _make("class V(NamedTuple, int):\n    a: int\n", _namedtuple.NamedTuple)


def _package_named_tuples() -> list[type]:
    found = []
    for module in pkgutil.walk_packages(delegopts.__path__, "delegopts."):
        if module.name.endswith("_tables") or (".cli." in module.name and "_cmd" in module.name):
            continue
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, tuple)
                and hasattr(value, "_fields")
                and value.__module__ == module.name
            ):
                found.append(value)
    return found


def test_the_package_value_classes_are_plain_named_tuples() -> None:
    """Every named tuple of the package: slotted (no __dict__), picklable, fields annotated."""
    classes = _package_named_tuples()
    assert len(classes) >= 20, [cls.__name__ for cls in classes]
    for cls in classes:
        assert cls.__slots__ == (), cls
        assert list(cls.__annotations__) == list(cls._fields), cls
        assert pickle.loads(pickle.dumps(cls)) is cls
