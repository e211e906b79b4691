"""The real-data check: Debian's kernel packages read through every path give one catalog.

For each package (downloaded as shared/kernels/README.md says; never committed), read:
- the bzImage (``boot/vmlinuz-*`` or ``usr/lib/modules/*/vmlinuz``) with delegopts;
- the vmlinux ELF inside it, extracted *without* delegopts where the tools are installed
  (the payload cut at the setup header's offsets, then ``zstd -d`` or ``lz4 -d``);
- its ``.BTF`` as raw BTF, cut out *without* delegopts by ``objcopy --only-section``;
- the complete raw BTF of the same kernel in ``../shared/kernels/VERSION.btf.xz``;
- and the shipped snapshot ``data/btf/VERSION.btf``.
All must give identical catalogs; prints one line per path with its time and a verdict.

    apt-get download linux-image-6.12.107+deb13-cloud-amd64 \\
        linux-binary-7.2.13+deb14-cloud-amd64 linux-image-6.1.0-47-cloud-amd64-unsigned
    .venv/bin/python bench/bench_btf_debian.py DIR_WITH_THE_DEBS   # searched recursively

An arm64 package (``linux-image-6.12.107+deb13-cloud-arm64``, fetched with an apt
configuration of its own for arm64) is read as its ``Image`` (BTF found without section
headers) and as ``Image.gz``, and compared with the amd64 kernel of the same version.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "kernels"
TOOLS = {
    "gzip": ["gzip", "-dc"],
    "xz": ["xz", "-dc"],
    "zstd": ["zstd", "-dc"],
    "lz4": ["lz4", "-dc"],
    "bzip2": ["bzip2", "-dc"],
    "lzma": ["xz", "-dc", "--format=lzma"],
}


def facts(catalog: object) -> tuple[object, ...]:
    from delegopts.catalog import Catalog, OptionKind

    assert isinstance(catalog, Catalog)
    return (
        tuple(
            (kind.key, tuple((n.name, n.value) for n in catalog[kind]), catalog[kind].any_mask)
            for kind in OptionKind
        ),
        tuple(sorted(catalog.keys)),
    )


def extract_vmlinux(image: Path, out: Path) -> str:
    """The ELF inside a bzImage, cut and decompressed by standard tools; names the codec."""
    from delegopts.btf.decompress import codec_for

    data = image.read_bytes()
    start = ((data[0x1F1] or 4) + 1) * 512 + struct.unpack_from("<I", data, 0x248)[0]
    length = struct.unpack_from("<I", data, 0x24C)[0]
    payload = data[start : start + length - 4]
    codec = codec_for(payload) or "?"
    tool = TOOLS.get(codec)
    if tool and shutil.which(tool[0]):
        done = subprocess.run(tool, input=payload, capture_output=True, check=False)
        out.write_bytes(done.stdout)  # lz4 -d of the legacy frame stops at the size trailer
        return f"{codec} via {tool[0]}"
    from io import BytesIO

    from delegopts.btf.decompress import decompress

    with out.open("wb") as sink:
        decompress(codec, BytesIO(payload), sink, source=str(image), limit=1 << 30)
    return f"{codec} via delegopts (no {codec} tool)"


def check(deb: Path, work: Path) -> bool:
    from delegopts.btf.load import load_btf, load_snapshot
    from delegopts.catalog import Catalog

    tree = work / deb.stem
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
    images = [*tree.glob("boot/vmlinuz-*"), *tree.glob("usr/lib/modules/*/vmlinuz")]
    if not images:
        print(f"{deb.name}: no vmlinuz inside")
        return False
    image = images[0]
    _, info = load_btf(image)
    version = re.match(r"\d+\.\d+", info.release or "")
    raw: Path | None = None
    paths: list[tuple[str, Path | str]] = [(f"{info.kind} ({' > '.join(info.layers)})", image)]
    if info.kind == "arm64 Image":  # no section headers: the BTF is found by scanning
        packed = work / f"{deb.stem}.Image.gz"
        with packed.open("wb") as out:
            subprocess.run(["gzip", "-c", str(image)], stdout=out, check=True)
        paths.append(("Image.gz (gzip -c of the Image)", packed))
    else:
        vmlinux = work / f"{deb.stem}.vmlinux"
        how = extract_vmlinux(image, vmlinux)
        raw = work / f"{deb.stem}.BTF"
        subprocess.run(["objcopy", "-O", "binary", "--only-section=.BTF", str(vmlinux),
                        str(raw)], check=True)  # fmt: skip
        paths.append((f"vmlinux ELF ({how})", vmlinux))
        paths.append(("raw .BTF (objcopy --only-section=.BTF)", raw))
    shared = [p for p in SHARED.glob("*.btf.xz") if version and p.name.startswith(version[0] + ".")]
    if shared:
        paths.append((f"shared raw BTF ({shared[0].name})", shared[0]))
    results = []
    for label, source in paths:
        start = time.perf_counter()
        found, _ = load_btf(source)
        results.append((label, facts(Catalog.from_btf(found)), time.perf_counter() - start))
    if shared:
        snapshot = shared[0].name.removesuffix(".btf.xz")
        start = time.perf_counter()
        found, _ = load_snapshot(snapshot)
        results.append((f"snapshot {snapshot}", facts(Catalog.from_btf(found)),
                        time.perf_counter() - start))  # fmt: skip
    print(f"{deb.name}\n  kernel {info.banner}")
    reference = results[0][1]
    for label, got, seconds in results:
        verdict = "same" if got == reference else "DIFFERENT"
        print(f"  {label:<58} {seconds * 1000:7.0f} ms  {verdict}")
    same = all(got == reference for _, got, _ in results)
    if shared and raw is not None:
        import lzma

        identical = lzma.decompress(shared[0].read_bytes()) == raw.read_bytes()
        same = same and identical
        verdict = "byte-identical" if identical else "DIFFERENT"
        print(f"  objcopy's .BTF and {shared[0].name} are {verdict}")
    names = sum(len(kind[1]) for kind in reference[0])
    print(f"  => {'identical' if same else 'NOT identical'} catalogs ({names} names, "
          f"keys {', '.join(reference[1])})")  # fmt: skip
    return same


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    debs = sorted(Path(sys.argv[1]).glob("**/linux-*.deb"))
    if not debs:
        print(f"no linux-*.deb in {sys.argv[1]}")
        return 2
    with tempfile.TemporaryDirectory(prefix="delegopts-debs-") as tmp:
        results = [check(deb, Path(tmp)) for deb in debs]
    print(f"\n{sum(results)} of {len(results)} packages: identical catalogs through every path")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
