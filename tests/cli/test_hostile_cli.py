"""Hostile inputs and hosts, through the command line as an attacker would give them.

Each row runs ``delegopts`` in a child process under ``RLIMIT_AS`` (memory) and
``RLIMIT_CPU`` (time), so a case that hangs or grows is cut off and fails; every row says
the exit status it must end with, and no row may print a traceback. Tenants control Incus
values, unit files and (since Linux 6.9, in their own namespaces) bpffs mount points, and
container managers run delegopts as root over them.
"""

from __future__ import annotations

import gzip
import os
import resource
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from delegopts.btf.imagewriter import write_arm64_image
from delegopts.btf.writer import EnumSpec, StructSpec, write_btf

MiB = 1 << 20
_MAIN = "import sys; from delegopts.cli import main; sys.exit(main(sys.argv[1:]))"
BLOB = write_btf([
    EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_PROG_LOAD", 5), ("__MAX_BPF_CMD", 6)]),
    StructSpec("bpf_mount_opts", ["uid", "gid", "mode", "delegate_cmds", "delegate_maps",
                                  "delegate_progs", "delegate_attachs"]),
])  # fmt: skip
INFO = "36 25 0:32 / {point} rw,relatime shared:9 - bpf bpffs rw,{options}\n"
#: BTF whose names would drive a terminal: the kernel's verifier refuses such names.
EVIL = write_btf([
    EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_\x1b[31mRED\x1b]8;;x\x07", 1),
                         ("BPF_TOKEN_CREATE", 36)]),
    StructSpec("bpf_mount_opts", ["uid", "gid", "mode", "delegate_cmds", "delegate_maps",
                                  "delegate_progs", "delegate_attachs"]),
])  # fmt: skip


@dataclass(frozen=True)
class Done:
    status: int
    out: str
    err: str
    seconds: float


def run(
    argv: list[str],
    *,
    stdin: bytes = b"",
    memory_mb: int = 256,
    cpu_seconds: int = 20,
    env: dict[str, str] | None = None,
) -> Done:
    """``delegopts ARGV`` in a child whose address space and CPU time are capped."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MiB, memory_mb * MiB))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MAIN, *argv], input=stdin, capture_output=True,
        preexec_fn=limits, timeout=cpu_seconds * 3, env=env, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    out, err = (data.decode("utf-8", "surrogateescape") for data in (done.stdout, done.stderr))
    return Done(done.returncode, out, err, seconds)


def _raw_btf_of_one_word(size: int) -> bytes:
    """Raw BTF whose type section repeats the name offset of 'bpf_cmd' ``size // 4`` times."""
    strings = b"\0bpf_cmd\0"
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, size, size, len(strings))
    return header + struct.pack("<I", 1) * (size // 4) + strings


def _nested_gzip(data: bytes, layers: int) -> bytes:
    for _ in range(layers):
        data = gzip.compress(data, compresslevel=9)
    return data


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], tuple[list[str], bytes]]  # the arguments and standard input
    status: int
    expect: str = ""  # a phrase stderr must hold
    memory_mb: int = 256
    cpu_seconds: int = 20


def _file(tmp: Path, name: str, data: bytes | str) -> str:
    path = tmp / name
    path.write_bytes(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)
    return str(path)


def _fifo(tmp: Path) -> str:
    os.mkfifo(tmp / "fifo")
    return str(tmp / "fifo")


_LONG = "delegate_cmds=" + "map_create:" * 64_000 + "any"  # 704 KB: 18 s when quadratic
_K = ["--kernel", "6.18.44"]
CASES = {
    "one 704 KB option string on stdin": Case(
        lambda tmp: (["check", "-", *_K], _LONG.encode()), 1, "EINVAL"),
    "one 704 KB option string as an argument": Case(
        lambda tmp: (["check", "-o", _LONG[:100_000], *_K], b""), 1, "EINVAL"),
    "an fstab entry with a 704 KB options field": Case(
        lambda tmp: (["check", "--fstab", _file(tmp, "fstab", f"b /m bpf {_LONG} 0 0\n"), *_K],
                     b""), 1, "EINVAL"),
    "a .mount unit with 704 KB of Options=": Case(
        lambda tmp: (["check", "--unit", _file(tmp, "x.mount", "[Mount]\nWhat=bpffs\nWhere=/m\n"
                      f"Type=bpf\nOptions={_LONG}\n"), *_K], b""), 1, "EINVAL"),
    "an Incus key with a 704 KB value": Case(
        lambda tmp: (["check", "--incus", _file(tmp, "incus.yaml",
                      "security.bpffs.delegate_cmds: " + "map_create," * 64_000 + "any\n"), *_K],
                     b""), 1),
    "100,000 option strings on stdin": Case(
        lambda tmp: (["check", "-", "--no-lint", *_K],
                     b"delegate_cmds=map_create,delegate_maps=hash,uid=1\n" * 100_000),
        0, "100000 option strings checked", cpu_seconds=120),
    "100,000 bpffs mounts": Case(
        lambda tmp: (["show", "--no-lint", *_K, "--mountinfo", _file(tmp, "mi", "".join(
            INFO.format(point=f"/t{n}", options="delegate_cmds=any") for n in range(100_000)))],
            b""), 0, cpu_seconds=120),
    "a gzip of raw BTF repeating a wanted name offset (was 1.37 GB)": Case(
        lambda tmp: (["btf", "info", _file(tmp, "crafted.gz",
                      gzip.compress(_raw_btf_of_one_word(100 * MiB)))], b""),
        3, "unknown BTF kind", memory_mb=768),
    "a gzip of BTF and 7 million 'Linux version ' strings (was 137 s)": Case(
        lambda tmp: (["btf", "info", _file(tmp, "banners.gz", gzip.compress(
            write_arm64_image(BLOB, after=4096) + b"Linux version " * 7_000_000))], b""),
        0, memory_mb=512),
    "four nested gzip layers (filled 2 GB of temporary space)": Case(
        lambda tmp: (["btf", "info", _file(tmp, "nested.gz",
                      _nested_gzip(bytes(256 * MiB), 4))], b""),
        3, "more than 3 layers of containers", memory_mb=512),
    "a FIFO with no writer as --btf": Case(
        lambda tmp: (["names", "--btf", _fifo(tmp)], b""), 3, "is a FIFO"),
    "a FIFO with no writer as --mountinfo": Case(
        lambda tmp: (["show", "--mountinfo", _fifo(tmp), *_K], b""), 3, "is a FIFO"),
    "a directory as --fstab": Case(
        lambda tmp: (["check", "--fstab", str(tmp), *_K], b""), 3, "is a directory"),
    "a mistyped unit file name": Case(
        lambda tmp: (["check", "./my.service", *_K], b""), 3, "No such file or directory"),
    "bytes that are not UTF-8 on stdin": Case(
        lambda tmp: (["check", "-", *_K], b"delegate_cmds=\xff\xfe\n"), 1, "\\377\\376"),
    "a file name that is not UTF-8": Case(
        lambda tmp: (["check", os.fsdecode(b"/nonexistent/\xff.service"), *_K], b""), 3,
        "\\377.service"),
}  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [
        ["names"], ["explain", "delegate_cmds=0x3"], ["format", "delegate_cmds=0x3"],
        ["format", "--to", "systemd", "delegate_cmds=0x3"], ["check", "delegate_cmds=0x3"],
        ["show", "--mountinfo", "MOUNTINFO"], ["btf", "info"],
    ],
    ids=lambda argv: " ".join(argv[:3]),
)  # fmt: skip
def test_btf_names_that_are_no_identifiers_never_reach_the_terminal(
    argv: list[str], tmp_path: Path
) -> None:
    btf = _file(tmp_path, "evil.btf", EVIL)
    info = _file(tmp_path, "mi", INFO.format(point="/b", options="delegate_cmds=0x3"))
    argv = [info if arg == "MOUNTINFO" else arg for arg in argv]
    argv = [*argv, btf] if argv[0] == "btf" else [*argv, "--btf", btf]
    done = run(argv)
    assert "\x1b" not in done.out + done.err and "\x07" not in done.out + done.err
    assert "Traceback" not in done.err
    assert done.status == 3, done.err
    assert done.err == (
        f"delegopts: {btf}: enum bpf_cmd: enumerator 1's name 'BPF_\\x1b[31mRED\\x1b]8;;x"
        "\\x07' is not a C identifier, as the kernel's BTF verifier demands: this is not a "
        "kernel's BTF\n"
    )


@pytest.mark.parametrize("where", ["file name", "banner"])
@pytest.mark.parametrize("argv", [["names"], ["btf", "info"], ["explain", "delegate_cmds=any"]])
def test_a_kernel_label_never_drives_the_terminal(
    where: str, argv: list[str], tmp_path: Path
) -> None:
    # The label names the kernel: a file's name, or the release in an image's banner.
    blob = write_btf([EnumSpec("bpf_cmd", [("BPF_MAP_CREATE", 0), ("BPF_TOKEN_CREATE", 36)])])
    if where == "file name":
        source = _file(tmp_path, "k\x1b[31m.btf", blob)
    else:
        image = write_arm64_image(blob, after=64) + b"Linux version 6.9.0\x1b[31m (a@b) (cc) #1\0"
        source = _file(tmp_path, "Image", image)
    done = run([*argv, source] if argv[0] == "btf" else [*argv, "--btf", source])
    assert done.status == 0, done.err
    assert "\x1b" not in done.out + done.err
    if where == "file name":  # named, escaped
        assert "k\\033[31m.btf" in done.out + done.err
    else:  # text with control characters is no banner: the image is named by its path
        assert "6.9.0" not in done.out + done.err


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["check", "--fstab", "FILE"], "f\\033[31m.fstab:1:37: error"),
        (["check", "--format", "github", "--fstab", "FILE"], "file=f%1B[31m.fstab,line=1"),
        (["check", "--format", "sarif", "--fstab", "FILE"], "f%1B%5B31m.fstab"),
        (["format", "-f", "FILE"], "f\\033[31m.fstab:1: warning"),
        (["check", "FILE"], "f\\033[31m.fstab:1:37: error"),
    ],
    ids=lambda value: " ".join(value[:3]) if isinstance(value, list) else "",
)  # fmt: skip
def test_a_file_name_never_drives_the_terminal(
    argv: list[str], shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _file(tmp_path, "f\x1b[31m.fstab", "bpffs /sys/fs/bpf bpf delegate_cmds=bogus 0 0\n")
    done = run([*(("f\x1b[31m.fstab" if a == "FILE" else a) for a in argv), *_K])
    assert "\x1b" not in done.out + done.err
    assert shown in done.out + done.err, done.out + done.err


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    argv, stdin = case.make(tmp_path)
    env = dict(os.environ, LANG="en_US.UTF-8", LC_ALL="en_US.UTF-8", PYTHONIOENCODING="")
    done = run(argv, stdin=stdin, memory_mb=case.memory_mb, cpu_seconds=case.cpu_seconds, env=env)
    assert done.status == case.status, done.err[-2000:]
    assert "Traceback" not in done.err
    assert "internal error" not in done.err
    assert case.expect in done.err + done.out


def test_a_mount_point_cannot_forge_an_output_line(tmp_path: Path) -> None:
    # A newline (\012 in mountinfo) and a whole fake line in a mount point.
    point = "/tmp/x\\012bpffs\\040mount\\040on\\040/sys/fs/bpf:\\040delegate_cmds=any"
    info = _file(tmp_path, "mi", INFO.format(point=point, options="delegate_cmds=map_create"))
    done = run(["check", "--mountinfo", info, *_K])
    assert done.status == 0, done.err
    lines = done.out.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(": bpffs mount on /tmp/x\\012bpffs mount on /sys/fs/bpf: "
                             "delegate_cmds=any: delegate_cmds=map_create")  # fmt: skip


def test_escape_sequences_and_markup_in_a_mount_point_on_a_terminal(tmp_path: Path) -> None:
    import pty

    point = "/sys/fs/bpf/[/x][link=file:///etc/shadow]y\\033]8;;x\\007\\033[31m"
    info = _file(tmp_path, "mi", INFO.format(point=point, options="delegate_cmds=any"))
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-c", _MAIN, "show", "--mountinfo", info, *_K],
        stdout=follower, stderr=subprocess.PIPE, env=dict(os.environ, COLUMNS="200"),
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert child.wait(timeout=60) == 0
    assert child.stderr is not None and b"Traceback" not in child.stderr.read()
    shown = b"".join(chunks).decode()
    assert "\x1b]8" not in shown and "\x07" not in shown  # no hyperlink, no bell
    assert "\\033]8;;x\\007" in shown.replace("\r\n", "")
    assert "[/x][link=file:///etc/shadow]y" in shown.replace("\r\n", "").replace(" ", "") or (
        "[/x]" in shown
    )


def test_a_closed_pipe_is_no_error(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _MAIN, "names", "--kernel", "7.2.13"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    child.stdout.close()  # as '| head -1' does
    assert child.wait(timeout=60) == 0
    assert child.stderr.read() == b""


@pytest.mark.parametrize("before", [0, 200_000, 2_000_000])
def test_ctrl_c_is_no_traceback(before: int, tmp_path: Path) -> None:
    """Ctrl-C while delegopts imports, reads or checks: exit status 130, no traceback.

    ``before`` bytes of input are written first: the pipe holds 64 KiB, so once they are
    written the child is reading them, and so running. With 0 the signal comes as soon as
    the interpreter has set up (its own start-up, before any delegopts code, is Python's).
    """
    line = b"delegate_cmds=map_create\n"
    errors = (tmp_path / "stderr").open("w+b")  # a file: a full pipe would block the child
    child = subprocess.Popen(
        [sys.executable, "-c", _MAIN, "check", "-", "--no-lint", *_K],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors,
    )  # fmt: skip
    assert child.stdin is not None
    if before:
        child.stdin.write(line * (before // len(line)))
        child.stdin.flush()
    else:
        _wait_for_python(child.pid)
    child.send_signal(signal.SIGINT)
    try:
        child.stdin.write(line * 200_000)
        child.stdin.close()
    except BrokenPipeError:
        pass
    status = child.wait(timeout=60)
    errors.seek(0)
    err = errors.read()
    assert status == 130, err
    assert err == b"interrupted\n"


def _wait_for_python(pid: int) -> None:
    """Until the child process runs Python code of its own (its -c module is on the stack):
    approximated by its reading of the delegopts package from disk."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            return
        if "libpython" in maps or len(fds) >= 3:
            time.sleep(0.2)  # past site.py (the venv's own start-up) on a slow machine
            return
        time.sleep(0.005)


def test_messages_do_not_show_what_a_file_holds(tmp_path: Path) -> None:
    secret = _file(tmp_path, "shadow", "root:$6$s3cr3t$hash:19000:0:99999:7:::\n")
    done = run(["btf", "info", secret])
    assert done.status == 3
    assert "s3cr3t" not in done.err
    assert b"root:$6$".hex() not in done.err
    assert "not raw BTF, an ELF file, nor a kernel image" in done.err


def test_a_file_it_may_not_read_is_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As a user without the right to read it; root reads everything, so open(2) says so here.
    import errno

    from delegopts.cli import main

    unit = tmp_path / "x.service"
    unit.write_text("[Service]\nPrivateBPF=yes\n")

    def refuse(path: str, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(os, "open", refuse)
    assert main(["check", str(unit), *_K]) == 3
    assert capsys.readouterr().err == f"delegopts: {unit}: cannot read: Permission denied\n"


def test_collecting_tests_without_live_ones_mounts_nothing(tmp_path: Path) -> None:
    # A sitecustomize in the child records every trial mount delegopts makes.
    marker = tmp_path / "mounted"
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import delegopts.livekernel as k\n"
        "_enter = k.TrialMounter.__enter__\n"
        "def _record(self):\n"
        f"    open({str(marker)!r}, 'a').write('mounted\\n')\n"
        "    return _enter(self)\n"
        "k.TrialMounter.__enter__ = _record\n"
    )
    tests = Path(__file__).resolve().parents[1]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not live",
         str(tests / "core" / "test_live.py"), str(tests / "cli" / "test_cli_live.py")],
        capture_output=True, text=True, env=env, cwd=tests.parent, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 5), done.stdout[-2000:]
    assert not marker.exists()


@pytest.mark.parametrize("unit", [None, "app.service", "gone.service", "none.service"])
def test_a_root_folder_name_never_drives_the_terminal(
    unit: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--root's folder is named in the systemd release line, in findings and in errors."""
    monkeypatch.chdir(tmp_path)
    root = "r\x1b[31m"
    units = tmp_path / root / "etc/systemd/system"
    units.mkdir(parents=True)
    (units / "app.service").write_text("[Service]\nBPFDelegateCommands=BPFProgLoad\n")
    (units / "gone.service").symlink_to("/dev/null")
    done = run(["check", "--root", root, *(["--unit", unit] if unit else []), *_K])
    assert "\x1b" not in done.out + done.err
    assert "r\\033[31m" in done.err, done.err
    assert done.status == (3 if unit in ("gone.service", "none.service") else 0), done.err


@pytest.mark.parametrize(
    ("make", "unit", "message"),
    [
        (lambda d: os.mkfifo(d / "app.service"), "app.service", "is a FIFO, not a regular file"),
        (lambda d: os.mkfifo(d / "app.service"), None, "is a FIFO, not a regular file"),
        (lambda d: (d / "app.service").symlink_to("app.service"), "app.service",
         "Too many levels of symbolic links"),
        # systemd lists such a drop-in (and a folder, and a link to nothing): refused here
        (lambda d: os.mkfifo(d / "service.d/x.conf"), "ok.service",
         "is a FIFO, not a regular file"),
        (lambda d: (d / "service.d/y.conf").symlink_to("y.conf"), "ok.service", None),  # loop
    ],
)  # fmt: skip
def test_units_under_a_root_that_cannot_be_read(
    make: Callable[[Path], object], unit: str | None, message: str | None, tmp_path: Path
) -> None:
    """A tenant's image: a FIFO where a unit or a drop-in should be never hangs the check;
    a looping unit file is named; a looping drop-in is left out, as systemd leaves it out."""
    units = tmp_path / "img/etc/systemd/system"
    (units / "service.d").mkdir(parents=True)
    (units / "ok.service").write_text("[Service]\nBPFDelegateCommands=BPFProgLoad\n")
    make(units)
    done = run(["check", "--root", str(tmp_path / "img"), *(["--unit", unit] if unit else []),
                *_K], cpu_seconds=10)  # fmt: skip
    if message is None:
        assert done.status == 0, done.err
    else:
        assert (done.status, done.out) == (3, ""), done.err
        assert message in done.err and "Traceback" not in done.err, done.err
