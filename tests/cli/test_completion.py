"""``delegopts completion SHELL`` prints the installed script, or says why there is none.

The built wheel's own scripts are compared in tests/test_distribution.py; here the
prefixes looked at are folders of the test's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import run

from delegopts.cli import completion_cmd
from delegopts.cli.completion_cmd import SHARE, SHELLS, find_script


@pytest.fixture
def prefixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three install prefixes, looked at in order, none holding a script yet."""
    folders = [tmp_path / name for name in ("venv", "usr-local", "usr")]
    monkeypatch.setattr(completion_cmd, "_prefixes", lambda: [str(f) for f in folders])
    return folders


def _install(prefix: Path, shell: str, text: str) -> None:
    path = prefix / SHARE[shell]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("installed_in", "found_in"),
    [([0], 0), ([1], 1), ([2], 2), ([1, 2], 1), ([0, 1, 2], 0)],
)
def test_the_first_prefix_holding_the_script_wins(
    prefixes: list[Path], installed_in: list[int], found_in: int
) -> None:
    for index in installed_in:
        _install(prefixes[index], "zsh", f"#compdef delegopts {index}\n")
    path, looked = find_script("zsh")
    assert path == str(prefixes[found_in] / SHARE["zsh"])
    assert looked == [str(prefix / SHARE["zsh"]) for prefix in prefixes]


@pytest.mark.parametrize("shell", SHELLS)
def test_prints_the_installed_script(prefixes: list[Path], shell: str) -> None:
    _install(prefixes[1], shell, f"# {shell} completion for delegopts\n")
    assert run("completion", shell) == (0, f"# {shell} completion for delegopts\n", "")


def test_without_an_installed_script_says_why_and_how(prefixes: list[Path]) -> None:
    status, out, err = run("completion", "bash")
    assert (status, out) == (3, "")
    assert err.startswith(
        f"delegopts completion: no bash completion script is installed with this delegopts "
        f"(looked at {prefixes[0] / SHARE['bash']}, "
    )
    assert err.endswith("'python tools/gen_shell_data.py DIR' in the source tree writes them "
                        "to DIR\n")  # fmt: skip


@pytest.mark.parametrize("argv", [["completion"], ["completion", "tcsh"]])
def test_a_shell_it_has_no_script_for_is_a_usage_error(argv: list[str]) -> None:
    status, out, err = run(*argv)
    assert (status, out) == (2, "")
    assert err.startswith("delegopts completion: ")
