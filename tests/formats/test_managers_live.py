"""Incus and LXD values through the real mount paths, compared with what delegopts predicts.

Incus: Debian's ``incus-base`` ships ``incusd``, whose hidden ``forkbpf`` command is what
Incus runs when a container starts (``lxc.hook.start-host``): it enters the user and mount
namespaces of ``$LXC_PID``, and sets each ``security.bpffs.delegate_*`` value with
``fsconfig``. Here it runs against a process in a new user and mount namespace, exactly as
Incus calls it, and the options the kernel shows in that process's mountinfo (or the
error incusd prints) are compared with the option string delegopts reads from the same
values in a configuration. The binary needs glibc 2.38 or later: it runs with Debian
unstable's unpacked loader (its ELF interpreter path pointed at it, since incusd reads its
own command line to pick the command, which ``ld.so --library-path`` would change).

LXD is not packaged by Debian: its helper's calls (``lxd/main_forkmount.go``
``do_mount_bpffs``: one ``fsconfig`` per key, ``0`` for an unset key) are made here with
ctypes, on the running kernel.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegopts import Catalog, OptionError, parse
from delegopts.formats.incus import scan_incus
from delegopts.formats.lxd import scan_lxd
from delegopts.livekernel import fs_options, mount_unavailable

_REASON = mount_unavailable()
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(_REASON is not None, reason=f"cannot mount bpffs: {_REASON}"),
]
_LOADER_LINK = Path("/tmp/.dlgopts-ld.so")  # short enough for incusd's PT_INTERP slot
_INTERP = b"/lib64/ld-linux-x86-64.so.2\0"
KEYS = ("delegate_cmds", "delegate_maps", "delegate_progs", "delegate_attachs")


@pytest.fixture(scope="module")
def running() -> Catalog:
    return Catalog.running_kernel()


def _predict(found_options: str | None, catalog: Catalog) -> tuple[bool, str | None]:
    """(mounted, shown options) or (refused, errno name) for a data string; None: no mount."""
    if found_options is None:
        return (False, None)
    try:
        return (True, str(parse(found_options, catalog)))
    except OptionError as error:
        return (False, error.errno_name)


# -- Incus ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def incusd() -> Iterator[tuple[Path, dict[str, str]]]:
    from debian import CACHE, package

    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is needed to give incusd a container to enter")
    base = package("incus-base")
    libs = [package(name) for name in ("libc6", "libcowsql0", "liblxc1t64", "libraft0")]
    binary = base / "usr/libexec/incus/incusd"
    if not binary.is_file():
        pytest.skip("incus-base has no usr/libexec/incus/incusd")
    blob = binary.read_bytes()
    if blob.count(_INTERP) != 1:
        pytest.skip("incusd's ELF interpreter is not the usual one: cannot point it elsewhere")
    loader = libs[0] / "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    link = os.fsencode(_LOADER_LINK) + b"\0"
    # Both written beside their place and renamed over it: another test run may be
    # executing the previous ones (writing a running program fails, ETXTBSY), and a
    # rename leaves it its own copy.
    copy = CACHE / "incusd-unstable-loader"
    fresh = copy.with_name(f"{copy.name}.{os.getpid()}")
    fresh.write_bytes(blob.replace(_INTERP, link + b"\0" * (len(_INTERP) - len(link))))
    fresh.chmod(0o755)
    os.replace(fresh, copy)
    new_link = _LOADER_LINK.with_name(f"{_LOADER_LINK.name}.{os.getpid()}")
    new_link.unlink(missing_ok=True)
    new_link.symlink_to(loader)
    os.replace(new_link, _LOADER_LINK)
    paths = [str(lib / "usr/lib/x86_64-linux-gnu") for lib in libs]
    paths += ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"]
    yield copy, {"LD_LIBRARY_PATH": ":".join(paths)}


def _forkbpf(
    incusd: tuple[Path, dict[str, str]], target: Path, values: tuple[str, str, str, str]
) -> tuple[bool, str]:
    """Run ``incusd forkbpf`` as Incus does; (mounted, shown options or incusd's message)."""
    binary, env = incusd
    container = subprocess.Popen(["unshare", "--user", "--map-root-user", "--mount", "sleep", "60"])
    try:
        for _ in range(100):  # until unshare has exec'd sleep in the new namespaces
            if container.poll() is not None:
                pytest.skip("unshare cannot make a user and mount namespace here")
            if os.readlink(f"/proc/{container.pid}/exe").endswith("sleep"):
                break
            subprocess.run(["sleep", "0.02"], check=True)
        run = subprocess.run(
            [str(binary), "forkbpf", str(target), *values],
            env={"LXC_PID": str(container.pid), "PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if run.returncode != 0:
            return (False, run.stdout + run.stderr)
        mountinfo = Path(f"/proc/{container.pid}/mountinfo").read_text()
        for line in mountinfo.splitlines():
            fields = line.split(" ")
            if fields[4] == str(target) and " - bpf " in line:
                return (True, fs_options(line.split(" - ", 1)[1].split(" ")[2]))
        return (False, f"no bpf mount on {target} in {mountinfo}")
    finally:
        container.kill()
        container.wait()


INCUS_VALUES = [
    # lxc/incus test/suites/container_bpf_tokens.sh, its seven cases
    ("map_create,prog_attach", "hash,array", "socket_filter,xdp,kprobe",
     "cgroup_inet_ingress,sk_skb_stream_parser"),
    ("any", "any", "any", "any"),
    ("map_create", "", "", ""),
    ("", "hash", "", ""),
    ("", "", "socket_filter", ""),
    ("", "", "", "cgroup_inet_ingress"),
    # lxc/incus doc/explanation/bpf-tokens.md's example
    ("map_create,obj_get,link_create", "hash,array,devmap,queue,stack",
     "socket_filter,kprobe,cgroup_sysctl", "any"),
    # how Incus splits and trims
    (" map_create , prog_load ,", "\thash\n", ",", ""),
    ("\u00a0map_create\u2003", "", "", ""),
    ("\x1cmap_create", "", "", ""),
    ("MAP_CREATE,prog_load:btf_load", "any,0", "", ""),
    ("prog_load:0x1", "", "", ""),
    ("prog_lod", "", "", ""),
    ("99999999999999999999", "", "", ""),
    ("map_create map_create", "", "", ""),
]  # fmt: skip


@pytest.mark.parametrize("values", INCUS_VALUES)
def test_incusd_forkbpf_agrees(
    values: tuple[str, str, str, str],
    incusd: tuple[Path, dict[str, str]],
    running: Catalog,
    tmp_path: Path,
) -> None:
    text = "".join(
        f"security.bpffs.{key}: {json.dumps(value)}\n"
        for key, value in zip(KEYS, values, strict=True)
    )
    scan = scan_incus(text, "config.yaml")
    predicted = _predict(scan.found[0].options if scan.found else None, running)
    if not any(values):  # Incus starts no forkbpf: nothing to compare with but "no mount"
        assert scan.found == ()
        return
    mounted, shown = _forkbpf(incusd, tmp_path, values)
    if mounted:
        assert predicted == (True, shown)
    else:
        reason = {"EINVAL": "invalid argument", "ERANGE": "numerical result out of range"}
        assert predicted[0] is False and predicted[1] in reason, shown
        assert f"on bpf fs: {reason[predicted[1]]}" in shown


# -- LXD -----------------------------------------------------------------------------------


class _Fs:
    """fsopen/fsconfig/fsmount/move_mount, as LXD's helper calls them."""

    FSCONFIG_SET_STRING, FSCONFIG_CMD_CREATE = 1, 6
    FSOPEN_CLOEXEC, FSMOUNT_CLOEXEC, MOVE_MOUNT_F_EMPTY_PATH = 1, 1, 4
    SYS_MOVE_MOUNT, SYS_FSOPEN, SYS_FSCONFIG, SYS_FSMOUNT = 429, 430, 431, 432

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.syscall.restype = ctypes.c_long

    def call(self, number: int, *args: object) -> int:
        result = int(self.libc.syscall(ctypes.c_long(number), *args))
        if result < 0:
            code = ctypes.get_errno()
            raise OSError(code, errno.errorcode.get(code, str(code)))
        return result

    def mount(self, values: dict[str, str], target: Path) -> str:
        fs = self.call(self.SYS_FSOPEN, b"bpf", self.FSOPEN_CLOEXEC)
        try:
            for key, value in values.items():
                self.call(self.SYS_FSCONFIG, fs, self.FSCONFIG_SET_STRING, key.encode(),
                          value.encode(), 0)  # fmt: skip
            self.call(self.SYS_FSCONFIG, fs, self.FSCONFIG_CMD_CREATE, None, None, 0)
            mnt = self.call(self.SYS_FSMOUNT, fs, self.FSMOUNT_CLOEXEC, 0)
        finally:
            os.close(fs)
        try:
            self.call(self.SYS_MOVE_MOUNT, mnt, b"", -100, os.fsencode(target),
                      self.MOVE_MOUNT_F_EMPTY_PATH)  # fmt: skip
        finally:
            os.close(mnt)
        try:
            for line in Path("/proc/self/mountinfo").read_text().splitlines():
                if line.split(" ")[4] == str(target):
                    return fs_options(line.split(" - ", 1)[1].split(" ")[2])
            raise OSError(f"no mount on {target}")
        finally:
            self.libc.umount2(os.fsencode(target), 0)


LXD_VALUES = [
    # canonical/lxd doc/explanation/bpf.md's example, and its metadata examples
    ("prog_load:map_create", "ringbuf", "socket_filter", "cgroup_inet_ingress"),
    ("prog_load:map_create:btf_load", "", "", ""),
    ("any", "any", "any", "any"),
    ("0x21", "", "", ""),
    ("map_create,prog_load", "", "", ""),  # refused: no splitting on ','
    ("map_create ", "", "", ""),  # refused: no trimming
    ("MAP_CREATE", "hash:", "", ""),
]


@pytest.mark.parametrize("values", LXD_VALUES)
def test_lxd_fsconfig_calls_agree(
    values: tuple[str, str, str, str], running: Catalog, tmp_path: Path
) -> None:
    names = ("cmd_types", "map_types", "prog_types", "attach_types")
    text = "security.delegate_bpf: 'true'\n" + "".join(
        f"security.delegate_bpf.{name}: {json.dumps(value)}\n"
        for name, value in zip(names, values, strict=True)
        if value
    )
    scan = scan_lxd(text, "config.yaml")
    comma = any(d.code.value == "F408" for d in scan.findings)
    predicted = (False, "EINVAL") if comma else _predict(scan.found[0].options, running)
    try:
        shown = _Fs().mount({k: v or "0" for k, v in zip(KEYS, values, strict=True)}, tmp_path)
        actual: tuple[bool, str | None] = (True, shown)
    except OSError as error:
        actual = (False, errno.errorcode.get(error.errno or 0))
    assert predicted == actual
