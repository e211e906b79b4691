"""Build the small BPF objects of ``src/`` with clang, or skip the test that needs them.

clang (any release with ``-target bpf``, 14 or later) and libbpf's headers
(``bpf/bpf_helpers.h``: Debian's ``libbpf-dev``) are what these tests need; ``.ci/run``
installs both where it can.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

__all__ = ["SOURCES", "build", "embed", "libbpf_loader"]

SOURCES = Path(__file__).resolve().parent / "src"
_OUT = Path(__file__).resolve().parent / "build"
# Built without -g: no .BTF, as loaders before libbpf 1.0 took them.
_NO_BTF = {"legacy_maps"}


def _clang() -> str:
    found = shutil.which("clang")
    if found is None:
        pytest.skip("clang is needed to build BPF objects (apt-get install clang libbpf-dev)")
    if not Path("/usr/include/bpf/bpf_helpers.h").exists():
        pytest.skip("libbpf's headers are needed to build BPF objects (apt-get install libbpf-dev)")
    return found


@functools.cache
def build(name: str, target: str = "bpf") -> Path:
    """``src/NAME.bpf.c`` compiled for ``target`` (``bpf``, ``bpfel`` or ``bpfeb``)."""
    clang = _clang()
    _OUT.mkdir(exist_ok=True)
    out = _OUT / f"{name}.{target}.o"
    multiarch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
    command = [clang, "-O2", "-target", target, f"-I/usr/include/{multiarch}", "-c",
               str(SOURCES / f"{name}.bpf.c"), "-o", str(out)]  # fmt: skip
    if name not in _NO_BTF:
        command.insert(1, "-g")
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"clang cannot build {name}: {done.stderr.strip()[-300:]}")
    return out


@functools.cache
def embed(name: str, kind: str) -> Path:
    """An executable (``kind`` ``exe``) or shared library (``so``) holding the object as a
    byte array, as a libbpf skeleton does."""
    obj = build(name).read_bytes()
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("a C compiler is needed to embed a BPF object in a program")
    source = _OUT / f"{name}.{kind}.c"
    body = ",".join(str(byte) for byte in obj)
    main = "int main(void) { return object[0] != 0x7f; }\n" if kind == "exe" else ""
    source.write_text(
        f"const unsigned char object[{len(obj)}] __attribute__((aligned(8))) = {{{body}}};\n" + main
    )
    out = _OUT / f"{name}.{kind}"
    flags = ["-shared", "-fPIC"] if kind == "so" else []
    done = subprocess.run([compiler, *flags, str(source), "-o", str(out)], capture_output=True,
                          text=True, check=False, timeout=120)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot build the {kind}: {done.stderr.strip()[-300:]}")
    return out


@functools.cache
def libbpf_loader(suite: str) -> list[str]:
    """The command that loads an object with Debian ``suite``'s libbpf (``libbpf1``), run
    by unstable's libc (the suite's libbpf may need a newer one than the machine's), or skip.

    ``src/libbpf_loader.c`` is compiled against that libbpf's headers (``libbpf-dev``); the
    newer libc's symbols are left to the dynamic loader to resolve.
    """
    from debian import package

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("a C compiler is needed to build a libbpf loader")
    library = package("libbpf1", suite) / "usr/lib/x86_64-linux-gnu"
    headers = package("libbpf-dev", suite) / "usr/include"
    libc = package("libc6") / "usr/lib/x86_64-linux-gnu"
    shared = sorted(library.glob("libbpf.so.1.*"))
    if not shared:
        pytest.skip(f"Debian {suite}'s libbpf1 holds no libbpf.so.1.*")
    _OUT.mkdir(exist_ok=True)
    out = _OUT / f"libbpf_loader-{shared[-1].name}"
    command = [compiler, "-O2", "-I", str(headers), str(SOURCES / "libbpf_loader.c"), "-o",
               str(out), "-Wl,--allow-shlib-undefined", str(shared[-1])]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"cannot build a loader for {suite}'s libbpf: {done.stderr.strip()[-300:]}")
    return [str(libc / "ld-linux-x86-64.so.2"), "--library-path", f"{library}:{libc}", str(out)]
