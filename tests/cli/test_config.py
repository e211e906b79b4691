"""Settings files: ``delegopts.toml`` or ``[tool.delegopts]``, found here or above, the
command line winning over them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from delegopts.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    return tmp_path


def test_delegopts_toml_above_sets_kernel_ignore_and_strict(project: Path) -> None:
    (project / "delegopts.toml").write_text(
        'kernel = "6.12.107"\nignore = ["D501"]\nstrict = true\n'
    )
    status, out, _ = run("check", "--json", "delegate_cmds=prog_stream_read_by_fd")
    report = json.loads(out)
    assert report["kernel"] == "6.12.107"  # a 6.18 name: refused by 6.12
    assert status == 1 and report["inputs"][0]["problems"][0]["code"] == "D302"
    status, out, _ = run("check", "--json", "delegate_cmds=prog_load,delegate_progs=xdp")
    codes = [p["code"] for p in json.loads(out)["inputs"][0]["problems"]]
    assert "D501" not in codes and status == 1  # strict: the D405 warning fails


def test_the_command_line_wins(project: Path) -> None:
    (project / "delegopts.toml").write_text('kernel = "6.12.107"\n')
    _, out, _ = run("names", "--json", "--kernel", "7.2.13", "--kind", "cmds")
    assert json.loads(out)["kernel"] == "7.2.13"
    _, out, _ = run("names", "--json", "--no-config", "--btf",
                         str(Path(__file__).parents[2] / "data/btf/6.1.170.btf"))  # fmt: skip
    assert json.loads(out)["kernel"].endswith("6.1.170.btf")


def test_pyproject_table_and_relative_btf(project: Path) -> None:
    btf = Path(__file__).resolve().parents[2] / "data" / "btf" / "6.18.44.btf"
    (project / "kernel.btf").write_bytes(btf.read_bytes())
    (project / "pyproject.toml").write_text('[tool.delegopts]\nbtf = "kernel.btf"\n')
    status, out, _ = run("names", "--json", "--kind", "cmds")
    assert status == 0 and json.loads(out)["kernel"] == str(project / "kernel.btf")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kernell = "6.1.170"\n', "unknown setting 'kernell'; settings: kernel, btf,"),
        ("ignore = 'D501'\n", 'ignore must be a list of codes, such as ["D501"]'),
        ('kernel = "6.1.170"\nbtf = "x"\n', "choose one of kernel, btf and kernel-release"),
        ("kernel = \n", "not TOML: Invalid value (at line 1, column 10)"),
    ],
)
def test_bad_settings_are_usage_errors(project: Path, text: str, message: str) -> None:
    (project / "delegopts.toml").write_text(text)
    status, out, err = run("check", "uid=1")
    assert (status, out) == (2, "")
    assert err == f"delegopts: {project / 'delegopts.toml'}: {message}" + err.split(message)[1]


def test_config_names_a_file_and_a_missing_one_is_exit_3(tmp_path: Path) -> None:
    settings = tmp_path / "x.toml"
    settings.write_text('kernel = "6.1.170"\n')
    _, out, _ = run("names", "--json", "--kind", "cmds", "--config", str(settings))
    assert json.loads(out)["kernel"] == "6.1.170"
    status, _, err = run("names", "--config", str(tmp_path / "absent.toml"))
    assert status == 3 and "absent.toml: cannot read: No such file or directory" in err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        ((), "kernel = '6.18' in {toml}"),  # from the settings file: it is named
        (("--kernel", "6.18"), "--kernel 6.18"),  # from the command line
    ],
)
def test_an_unknown_snapshot_is_named_where_it_was_written(
    project: Path, argv: tuple[str, ...], named: str
) -> None:
    (project / "delegopts.toml").write_text('kernel = "6.18"\n')
    status, out, err = run("check", *argv, "delegate_cmds=any")
    where = named.format(toml=project / "delegopts.toml")
    assert (status, out) == (3, "")
    assert err == (
        f"delegopts: {where}: no snapshot for kernel 6.18: shipped are 6.1.170, 6.12.107, "
        "6.18.44, 7.2.13; did you mean 6.18.44?\n"
    )


def _run_with_stdin(stdin: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return status, out.getvalue(), err.getvalue()


_SPENT = (
    "delegopts: -: standard input cannot be read as {what}: it is read as the settings "
    "(--config -) already; give one of them as a file\n"
)


@pytest.mark.parametrize(
    ("stdin", "argv", "expected"),
    [
        # the settings apply: 6.12 lacks this 6.18 name
        ('kernel = "6.12.107"\n', ["check", "delegate_cmds=prog_stream_read_by_fd"],
         (1, "D302")),
        ('kernel = "6.12.107"\n', ["names", "--json", "--kind", "cmds"], (0, '"6.12.107"')),
        # standard input is read once: an input of '-' after it is refused, never empty
        ('kernel = "6.12.107"\n', ["check", "-"], (3, _SPENT.format(what="an input (-)"))),
        ('kernel = "6.12.107"\n', ["format", "-f", "-"],
         (3, _SPENT.format(what="an input (-)"))),
        ('kernel = "6.12.107"\n', ["btf", "info", "-"],
         (3, _SPENT.format(what="a BTF source (-)"))),
        ("kernel = \n", ["check", "uid=1"],
         (2, "delegopts: <stdin>: not TOML: Invalid value (at line 1, column 10)")),
    ],
)  # fmt: skip
def test_config_from_standard_input(
    project: Path, stdin: str, argv: list[str], expected: tuple[int, str]
) -> None:
    status, out, err = _run_with_stdin(stdin, *argv, "--config", "-")
    assert status == expected[0]
    assert expected[1] in out + err, out + err
