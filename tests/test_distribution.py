"""What a packager and a user get: the built wheel installed, the sdist's own tests, the hooks.

- The wheel, installed into a fresh venv, brings the ``delegopts`` command, the bash, zsh
  and fish completions and the man page (generated from the parser at build time).
- The sdist holds every file of the checkout that the tests read, and its tests pass from
  the unpacked sdist with no network, no ``../shared`` and no live kernel.
- ``.pre-commit-hooks.yaml``'s hooks run through ``pre-commit try-repo`` on this checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

from delegopts.cli.completion_cmd import SHARE, SHELLS

ROOT = Path(__file__).resolve().parents[1]
_IN_SDIST_RUN = "DELEGOPTS_TESTING_SDIST"  # set for the run inside the unpacked sdist


def _git_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked sdist has no .git)")
    done = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
    )
    return [name for name in done.stdout.decode().split("\0") if name]


def _build(kind: str, into: Path) -> Path:
    """Build the wheel or the sdist as pip's build front end does: the backend in a process
    of its own (setuptools keeps state between builds in one process)."""
    code = "import sys, setuptools.build_meta as b; print(getattr(b, sys.argv[1])(sys.argv[2]))"
    done = subprocess.run(
        [sys.executable, "-c", code, f"build_{kind}", str(into)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return into / done.stdout.strip().splitlines()[-1]


def _long_options() -> dict[str, set[str]]:
    """Each command of the parser (``btf info`` as ``btf``) -> its long options."""
    import argparse

    from delegopts.cli._main import build_parser

    found: dict[str, set[str]] = {}

    def walk(parser: argparse.ArgumentParser, command: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, command or name)
            elif command:
                long = {option for option in action.option_strings if option.startswith("--")}
                found.setdefault(command, set()).update(long)

    walk(build_parser(), "")
    return found


# --- the README's test command is what CI runs ---------------------------------------


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"Install what the tests need and run them:\n\n    (.+)\n", readme)
    assert match is not None
    command = match.group(1)
    assert "DELEGOPTS_LIVE_TESTS=1" in command
    assert "DELEGOPTS_LIVE_TESTS" in readme.split(command, 1)[1].split("\n## ", 1)[0]
    if not (ROOT / ".ci" / "run").exists():
        pytest.skip("no .ci/run here (an unpacked sdist)")
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()


# --- the lower bounds CI installs ------------------------------------------------------


def _pins(tmp_path: Path, dependencies: list[str], test: list[str], build: list[str]) -> object:
    import runpy

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        f"[build-system]\nrequires = {build!r}\n"
        f"[project]\ndependencies = {dependencies!r}\n"
        f"[project.optional-dependencies]\ntest = {test!r}\n"
    )
    tool = runpy.run_path(str(ROOT / "tools" / "oldest_requirements.py"))
    try:
        return tool["pins"](pyproject)
    except SystemExit as refused:
        return str(refused)


@pytest.mark.parametrize(
    ("dependencies", "test", "build", "expected"),
    [
        (["lark>=1.1.5,<2", "rich >= 13.3.1"], ["pytest>=7.2.1; python_version>'3'"],
         ["setuptools>=77.0.1"],
         ["lark==1.1.5", "rich==13.3.1", "pytest==7.2.1", "setuptools==77.0.1"]),
        (["pre-commit[x]>=3.0.4"], ["Pre-Commit>=3.0.4"], [], ["pre-commit==3.0.4"]),
        (["lark"], [], [], "pyproject.toml: 'lark' has no lower bound (>=)"),
        (["lark<2"], [], [], "pyproject.toml: 'lark<2' has no lower bound (>=)"),
        (["lark>=1.1.5"], ["lark>=1.2"], [], "pyproject.toml: two lower bounds for lark"),
    ],
)  # fmt: skip
def test_oldest_requirements_pins_each_lower_bound(
    tmp_path: Path, dependencies: list[str], test: list[str], build: list[str], expected: object
) -> None:
    assert _pins(tmp_path, dependencies, test, build) == expected


def test_oldest_requirements_of_this_project_are_exact_pins() -> None:
    import runpy

    pins = runpy.run_path(str(ROOT / "tools" / "oldest_requirements.py"))["pins"]()
    names = [pin.split("==")[0] for pin in pins]
    assert len(names) == len(set(names))
    assert {"lark", "pyelftools", "zstandard", "lz4", "rich", "setuptools", "pytest"} <= set(names)


# --- the build needs nothing of delegopts' own dependencies ---------------------------


def test_parser_builds_with_the_standard_library_alone() -> None:
    """The build imports build_parser with only setuptools, shtab and argparse-manpage."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from delegopts.cli._main import build_parser; build_parser();"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'rich', 'lark', 'elftools', 'zstandard', 'lz4'}))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(ROOT)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- a source tree runs as it is ----------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["names", "--kernel", "6.18.44", "--kind", "maps"], "  hash "),
        (["format", "--kernel", "6.18.44", "delegate_cmds=prog_load:MAP_CREATE"],
         "delegate_cmds=map_create:prog_load\n"),
    ],
)  # fmt: skip
def test_source_tree_runs_without_install(argv: list[str], expected: str) -> None:
    """``python -m delegopts`` in the tree, with no site-packages: nothing installed helps."""
    done = subprocess.run(
        [sys.executable, "-S", "-m", "delegopts", *argv],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert expected in done.stdout


# --- the wheel in a fresh venv --------------------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed (no dependencies: no network)."""
    work = tmp_path_factory.mktemp("wheel")
    wheel = _build("wheel", work)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    done = subprocess.run(
        [venv / "bin/python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return venv


def test_installed_wheel_runs(installed: Path) -> None:
    from delegopts import __version__

    done = subprocess.run(
        [installed / "bin/delegopts", "--version"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, f"delegopts {__version__}\n"), done.stderr


def _mentions(kind: str, text: str, option: str) -> bool:
    if kind == "man":  # groff writes '-' as '\\-'
        return option.replace("-", "\\-") in text
    if kind == "fish":  # complete ... -l json
        return re.search(rf"-l '?{re.escape(option[2:])}'?(\s|$)", text) is not None
    return option in text


@pytest.mark.parametrize("kind", sorted(SHARE))
def test_installed_wheel_has_completions_and_man_page(installed: Path, kind: str) -> None:
    """Every command and every long option of the parser is in each generated file."""
    text = (installed / SHARE[kind]).read_text()
    options = _long_options()
    assert len(options) >= 9
    for command, words in options.items():
        assert command in text, (kind, command)
        missing = [w for w in words if not _mentions(kind, text, w)]
        assert not missing, (kind, command, missing)


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_prints_the_installed_script(installed: Path, shell: str) -> None:
    done = subprocess.run(
        [installed / "bin/delegopts", "completion", shell],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (installed / SHARE[shell]).read_text()


def test_bash_completes_commands_options_and_files(installed: Path, tmp_path: Path) -> None:
    script = installed / SHARE["bash"]
    (tmp_path / "fstab.sample").write_text(_GOOD_FSTAB)
    prefix = f"{tmp_path}/fst"
    probe = f"""
        source {script}
        function=$(complete -p delegopts | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
        COMP_WORDS=(delegopts ch); COMP_CWORD=1; COMP_LINE="delegopts ch"; COMP_POINT=12
        "$function" delegopts ch delegopts; echo "commands: ${{COMPREPLY[*]}}"
        COMP_WORDS=(delegopts check --str); COMP_CWORD=2
        COMP_LINE="delegopts check --str"; COMP_POINT=21
        "$function" delegopts --str check; echo "options: ${{COMPREPLY[*]}}"
        COMP_WORDS=(delegopts check --fstab {prefix}); COMP_CWORD=3
        COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}
        "$function" delegopts {prefix} --fstab; echo "files: ${{COMPREPLY[*]}}"
    """
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", probe],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "commands: check\n" in done.stdout, done.stdout
    assert "options: --strict\n" in done.stdout, done.stdout
    assert f"files: {tmp_path}/fstab.sample\n" in done.stdout, done.stdout


def test_fish_completes_commands_and_options(installed: Path) -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed: its completion is not tried")
    probe = (
        f"source {installed / SHARE['fish']}; complete -C 'delegopts ch'; echo ---;"
        "complete -C 'delegopts check --str'"
    )
    done = subprocess.run(
        ["fish", "--no-config", "-c", probe],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    commands, options = done.stdout.split("---\n")
    assert [line.split("\t")[0] for line in commands.splitlines()] == ["check"]
    assert [line.split("\t")[0] for line in options.splitlines()] == ["--strict"]


def test_zsh_reads_its_completion(installed: Path) -> None:
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed: its completion's syntax is not checked")
    done = subprocess.run(
        ["zsh", "-n", installed / SHARE["zsh"]],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")


def test_man_page_renders_without_warnings(installed: Path) -> None:
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed: the man page is not rendered")
    done = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", "-z", installed / SHARE["man"]],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    rendered = subprocess.run(
        ["groff", "-man", "-Tascii", installed / SHARE["man"]],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    rendered = re.sub(".\b", "", rendered)  # overstrike: bold and underline
    assert "SYNOPSIS" in rendered
    assert "delegopts" in rendered


# --- the sdist ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, built from this checkout and unpacked; its top folder."""
    if os.environ.get(_IN_SDIST_RUN):
        pytest.skip("this is the run inside the unpacked sdist")
    work = tmp_path_factory.mktemp("sdist")
    archive = _build("sdist", work)
    with tarfile.open(archive) as tar:
        tar.extractall(work / "unpacked", filter="data")
    (top,) = (work / "unpacked").iterdir()
    return top


def test_sdist_holds_every_file_of_the_checkout(sdist: Path) -> None:
    # .ci/ runs CI on a clone; .gitignore means nothing outside git
    expected = {name for name in _git_files() if not name.startswith((".ci/", ".gitignore"))}
    present = {str(path.relative_to(sdist)) for path in sdist.rglob("*") if path.is_file()}
    # the symbolic links delegopts/grammars and delegopts/btfdata arrive as folders
    links = {name for name in expected if (ROOT / name).is_symlink()}
    assert links == {"delegopts/grammars", "delegopts/btfdata"}
    for link in links:
        target = (ROOT / link).resolve()
        copied = {str(path.relative_to(sdist / link)) for path in (sdist / link).iterdir()}
        assert {path.name for path in target.iterdir() if path.name != "__pycache__"} == copied
    assert not expected - links - present, sorted(expected - links - present)
    config = tomllib.loads((sdist / "pyproject.toml").read_text())
    assert config["project"]["license"] == "MIT"
    assert (sdist / "LICENSE").read_text().startswith("MIT License")


def test_sdist_tests_pass_offline(sdist: Path, tmp_path: Path) -> None:
    """The unpacked sdist's own suite: no network, no ../shared, no live kernel, no git."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DELEGOPTS_", "PYTEST_", "HYPOTHESIS_"))
    }
    env.update({
        _IN_SDIST_RUN: "1",
        "DELEGOPTS_SHARED": str(tmp_path / "no-shared"),
        "DELEGOPTS_TEST_CACHE": str(tmp_path / "empty-cache"),
        # a closed port of this machine: apt fails at once, as it would offline
        "DELEGOPTS_DEBIAN_ARCHIVE": "http://127.0.0.1:9/debian",
        "PIP_NO_INDEX": "1",
        "GIT_CEILING_DIRECTORIES": str(sdist.parent),
    })  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=sdist, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    tail = done.stdout[-3000:]
    assert done.returncode == 0, tail + done.stderr[-2000:]
    summary = tail.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
    # the tests imported delegopts from the unpacked tree, not from this checkout
    where = subprocess.run(
        [sys.executable, "-c", "import delegopts; print(delegopts.__file__)"],
        cwd=sdist, env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert Path(where.strip()).is_relative_to(sdist), where


# --- pre-commit -----------------------------------------------------------------------

_BAD_FSTAB = "bpffs  /sys/fs/bpf/token  bpf  delegate_maps=arary  0 0\n"
_GOOD_FSTAB = "bpffs  /sys/fs/bpf/token  bpf  delegate_cmds=map_create,delegate_maps=hash  0 0\n"


def test_hooks_run_through_pre_commit_try_repo(tmp_path: Path) -> None:
    _git_files()  # skips outside a git checkout: try-repo clones it
    if shutil.which("pre-commit", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    pre_commit = str(Path(sys.executable).parent / "pre-commit")
    project = tmp_path / "project"
    project.mkdir()
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"))
    env.pop("DELEGOPTS_LIVE_TESTS", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*args], cwd=project, env=env, capture_output=True, text=True,
            timeout=900, check=False,
        )  # fmt: skip

    run("git", "init", "-q")
    # the hooks read the repository's settings file like any run of delegopts there
    (project / "delegopts.toml").write_text('kernel = "6.12.107"\n')
    (project / "fstab").write_text(_BAD_FSTAB)
    hook = [pre_commit, "try-repo", str(ROOT), "delegopts-fstab", "--verbose"]
    bad = run(*hook, "--files", "fstab")
    if bad.returncode == 3 or "An unexpected error has occurred" in bad.stdout:
        log = tmp_path / "cache" / "pre-commit.log"
        why = log.read_text()[-500:] if log.exists() else bad.stdout[-500:]
        pytest.skip(f"pre-commit could not install the hook's environment: {why}")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "error: EINVAL delegate_maps: 'arary' is not a map type of kernel 6.12.107" in bad.stdout
    (project / "fstab").write_text(_GOOD_FSTAB)
    good = run(*hook, "--files", "fstab")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
