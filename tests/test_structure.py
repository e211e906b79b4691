"""The shape of the package: which module may import which, read from the source.

Every ``import`` in ``delegopts/`` is an edge, those inside functions included (a lazy
import is still a dependency) and those under ``if TYPE_CHECKING:`` left out (they never
run). The graph must have no circle; the core (parsing, semantics, catalog) must not
depend on lint, formats or the CLI; nothing calls into a compression library by hand.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "delegopts"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:``."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _resolve(name: str) -> str | None:
    """The delegopts module ``name`` stands for: itself, else its nearest package."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """The delegopts modules ``module`` imports at run time."""
    tree = ast.parse(MODULES[module].read_text())
    wanted: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] or [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "delegopts":
                target = _resolve(name)
                if target is not None and target != module:
                    wanted.add(target)
    return wanted


GRAPH = {module: imports_of(module) for module in MODULES}


def _circle() -> list[str] | None:
    """One import circle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state and (found := visit(module)):
            return found
    return None


def reaches(module: str) -> set[str]:
    """Every module ``module`` depends on, directly or not."""
    seen: set[str] = set()
    stack = [module]
    while stack:
        for target in GRAPH[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def test_the_walk_sees_the_imports() -> None:
    # a check of the checker: known edges, a lazy one (inside a function) among them
    assert "delegopts.btf.reader" in GRAPH["delegopts.catalog"]
    assert "delegopts.btf.load" in GRAPH["delegopts.cli._common"]  # imported in a function
    assert "delegopts.lint" in GRAPH["delegopts.formats.findings"]


def test_no_import_circle() -> None:
    assert _circle() is None


@pytest.mark.parametrize(
    "module",
    ["delegopts.semantics", "delegopts.catalog", "delegopts.options", "delegopts.render",
     "delegopts.grammar.splitter", "delegopts.btf"],
)  # fmt: skip
def test_the_core_does_not_depend_on_lint_formats_or_the_cli(module: str) -> None:
    outside = {m for m in reaches(module) if m.startswith(("delegopts.lint", "delegopts.formats",
                                                            "delegopts.cli"))}  # fmt: skip
    assert outside == set()


def test_btf_reading_depends_only_on_errors_and_file_opening() -> None:
    outside = {m for m in reaches("delegopts.btf") if not m.startswith("delegopts.btf")}
    leaves = {"delegopts.errors", "delegopts.display", "delegopts.inputs", "delegopts._namedtuple"}
    assert outside <= leaves


def test_the_named_tuple_base_depends_on_nothing_of_delegopts() -> None:
    assert reaches("delegopts._namedtuple") <= {"delegopts._namedtuple"}


def test_ctypes_only_for_the_kernels_own_system_calls() -> None:
    # livekernel calls mount(2), fsopen(2)... through libc; decoders are Python bindings
    users = {m for m, path in MODULES.items() if "import ctypes" in path.read_text()}
    assert users == {"delegopts.livekernel"}


@pytest.mark.parametrize("path", sorted(MODULES.values()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_hand_made_calls_into_compression_libraries(path: Path) -> None:
    text = path.read_text()
    assert not any(lib in text for lib in ("libzstd", "liblz4", "libz.so", "liblzma", "libbz2"))
