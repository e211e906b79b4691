"""Standard input is read once a run: a second use of '-' is refused with both uses named,
never handed an empty input that would pass as valid (``check --btf - -`` once said "0
option strings checked, no findings")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from delegopts.cli import main

ROOT = Path(__file__).resolve().parents[2]
BTF = (ROOT / "data" / "btf" / "7.2.13.btf").read_bytes()
K = ["--kernel", "7.2.13"]


def run(argv: list[str], stdin: bytes) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    raw = io.BytesIO(stdin)
    text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape")
    status = main(argv, stdout=out, stderr=err, stdin=text)
    return status, out.getvalue(), err.getvalue()


def _twice(second: str, first: str) -> str:
    return (
        f"delegopts: -: standard input cannot be read as {second}: it is read as {first} "
        "already; give one of them as a file\n"
    )


@pytest.mark.parametrize(
    ("argv", "stdin", "err"),
    [
        (["check", "--btf", "-", "-"], BTF, _twice("an input (-)", "a BTF source (-)")),
        (["check", *K, "-", "-"], b"uid=1\n", _twice("an input (-)", "an input (-)")),
        (["check", *K, "--fstab", "-", "--mountinfo", "-"], b"",
         _twice("an input (-)", "an input (-)")),
        (["check", *K, "--unit", "-", "-"], b"[Service]\n",
         _twice("an input (-)", "a unit (--unit -)")),
        (["derive", "--btf", "-", "-"], BTF, _twice("BPF objects (-)", "a BTF source (-)")),
        (["check", "--btf", "-", "--for", "-", "uid=1"], BTF,
         _twice("BPF objects (--for -)", "a BTF source (-)")),
        (["format", "--btf", "-", "-f", "-"], BTF, _twice("an input (-)", "a BTF source (-)")),
        # show opens its input before it reads the kernel
        (["show", "--btf", "-", "--mountinfo", "-"], BTF,
         _twice("a BTF source (-)", "an input (-)")),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)  # fmt: skip
def test_a_second_use_of_standard_input_is_refused(argv: list[str], stdin: bytes, err: str) -> None:
    assert run(argv, stdin) == (3, "", err)


@pytest.mark.parametrize(
    ("argv", "stdin", "shown"),
    [
        (["check", "--btf", "-", "uid=1"], BTF, "1 option string checked"),
        (["check", *K, "-"], b"uid=1\n", "1 option string checked"),
        (["names", "--btf", "-", "--kind", "cmds"], BTF, "map_create"),
        # the same choice on both sides is one kernel, read once
        (["diff", "--btf-a", "-", "--btf-b", "-", "uid=1"], BTF, "same rights"),
    ],
)
def test_one_use_reads_it(argv: list[str], stdin: bytes, shown: str) -> None:
    status, out, err = run(argv, stdin)
    assert status == 0, err
    assert shown in out + err
