"""The child process of :mod:`tests.systemd_oracle`: systemd's own unit-file parser via ctypes.

Run as ``python systemd_child.py LIBDIR``, where LIBDIR holds a real systemd build's
``libsystemd-shared-NNN.so`` and ``libsystemd-core-NNN.so``. It reads one JSON request a
line on stdin and answers one JSON line on stdout. Kept in its own process because a
library built for another system may abort, and because systemd logs to fd 2, which this
process points at a file so that each answer can carry the lines systemd logged.

Requests:
- ``{"op": "tables"}``: the four name tables, ``bpf_delegate_*_to_string(i)`` for each bit.
- ``{"op": "units", "units": [[text, ...], ...]}``: each unit is a main file and its drop-ins
  in order; each is read with ``config_parse()`` and the gperf table of ``libsystemd-core``,
  as systemd loads a service (same ``Service`` object for all its files). Answers the four
  masks and the log lines of each unit.
- ``{"op": "words", "kind": "cmd", "words": [...]}``: ``bpf_delegate_<kind>_from_string``.
- ``{"op": "search", "root": DIR, "names": [...]}``: where the system manager under DIR
  finds each unit: ``lookup_paths_init()``, then ``unit_file_find_fragment()`` over
  ``unit_file_build_name_map()`` for its own file and ``unit_file_find_dropin_paths()`` for
  its drop-ins (for the unit the name is, with all its names), as ``[own file or null,
  [drop-in, ...], the unit's name]``.
"""

from __future__ import annotations

import ctypes
import faulthandler
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

KINDS = ("cmd", "map_type", "prog_type", "attach_type")
SETTINGS = (
    "BPFDelegateCommands",
    "BPFDelegateMaps",
    "BPFDelegatePrograms",
    "BPFDelegateAttachments",
)
# Enum settings and a value that makes each nonzero (so that its int can be found):
# PrivateBPF= (PRIVATE_BPF_NO 0, YES 1), PrivateUsers= (NO 0, SELF 1, IDENTITY 2, FULL 3,
# MANAGED 4 in 262).
ENUMS = {"PrivateBPF": "yes", "PrivateUsers": "managed"}
# Far larger than systemd's Service struct, whose fields the gperf table addresses by offset.
_OBJECT_SIZE = 1 << 20
#: The unit types with an execution environment, and the section that holds it.
SECTIONS = {"service": "Service", "socket": "Socket", "mount": "Mount", "swap": "Swap"}


class Child:
    def __init__(self, folder: Path) -> None:
        shared = next(folder.glob("libsystemd-shared-*.so"))
        core = next(folder.glob("libsystemd-core-*.so"))
        self.shared = ctypes.CDLL(str(shared), mode=ctypes.RTLD_GLOBAL)
        self.core = ctypes.CDLL(str(core), mode=ctypes.RTLD_GLOBAL)
        self.libc = ctypes.CDLL("libc.so.6")
        self.libc.fmemopen.restype = ctypes.c_void_p
        self.libc.fmemopen.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
        self.libc.fclose.argtypes = [ctypes.c_void_p]
        self.parse = self.shared.config_parse
        self.parse.restype = ctypes.c_int
        self.parse.argtypes = [
            ctypes.c_char_p,  # unit
            ctypes.c_char_p,  # filename
            ctypes.c_void_p,  # FILE *
            ctypes.c_char_p,  # sections (nulstr)
            ctypes.c_void_p,  # lookup
            ctypes.c_void_p,  # table
            ctypes.c_int,  # flags
            ctypes.c_void_p,  # userdata
            ctypes.c_void_p,  # struct stat *
        ]
        self.lookup = ctypes.cast(self.shared.config_item_perf_lookup, ctypes.c_void_p).value
        self.table = ctypes.cast(self.core.load_fragment_gperf_lookup, ctypes.c_void_p).value
        # Lives as long as the process: systemd's log goes there, read back after each unit.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.stderr = os.fdopen(os.dup(2), "w")  # for this process's own failures
        faulthandler.enable(self.stderr)
        os.dup2(self.log.fileno(), 2)
        # where each setting lies in the object of each unit type, found when first needed
        self.offsets: dict[str, list[int]] = {}
        self.enums: dict[str, dict[str, int]] = {}

    def _locate(self, kind: str) -> None:
        if kind not in self.offsets:
            self.offsets[kind] = [self._offset(setting, kind) for setting in SETTINGS]
            self.enums[kind] = {
                key: self._enum_offset(key, value, kind) for key, value in ENUMS.items()
            }

    def _read(
        self, files: list[str], buffer: ctypes.Array[ctypes.c_char], kind: str = "service"
    ) -> list[str]:
        sections = f"Unit\0{SECTIONS[kind]}\0Install\0".encode()
        self.log.seek(0)
        self.log.truncate()
        for number, text in enumerate(files):
            data = text.encode("utf-8", "surrogateescape")
            handle = self.libc.fmemopen(data, len(data), b"r") if data else None
            if data and not handle:
                raise OSError("fmemopen failed")
            name = (
                f"/etc/systemd/system/x.{kind}"
                if number == 0
                else f"/etc/systemd/system/x.{kind}.d/{number:02d}.conf"
            ).encode()
            if handle is None:  # fmemopen() refuses a size of 0: an empty file
                handle = self.libc.fmemopen(b"\n", 1, b"r")
            try:
                self.parse(
                    f"x.{kind}".encode(), name, handle, sections, self.lookup, self.table, 0,
                    ctypes.addressof(buffer), None,
                )  # fmt: skip
            finally:
                self.libc.fclose(handle)
        sys.stderr.flush()
        self.log.seek(0)
        # only "\n" ends a logged line: a word may hold "\v", which splitlines() would cut at
        return self.log.read().decode("utf-8", "replace").split("\n")[:-1]

    def _offset(self, setting: str, kind: str) -> int:
        buffer = ctypes.create_string_buffer(_OBJECT_SIZE)
        self._read([f"[{SECTIONS[kind]}]\n{setting}=any\n"], buffer, kind)
        raw = buffer.raw
        at = raw.find(b"\xff" * 8)
        if at < 0 or raw.count(b"\xff") != 8:
            raise RuntimeError(f"cannot locate {setting} in the Service object")
        return at

    def _enum_offset(self, setting: str, value: str, kind: str) -> int:
        """Where ``setting``'s enum lies: the one int that ``setting=value`` changes."""
        section = SECTIONS[kind]
        empty = ctypes.create_string_buffer(_OBJECT_SIZE)
        self._read([f"[{section}]\n"], empty, kind)
        buffer = ctypes.create_string_buffer(_OBJECT_SIZE)
        self._read([f"[{section}]\n{setting}={value}\n"], buffer, kind)
        pairs = zip(empty.raw, buffer.raw, strict=True)
        changed = [at for at, (before, after) in enumerate(pairs) if before != after]
        if len(changed) != 1:
            raise RuntimeError(f"cannot locate {setting} in the Service object: {changed}")
        return changed[0] - changed[0] % 4

    def units(self, units: list[list[str]], kind: str = "service") -> list[dict[str, object]]:
        self._locate(kind)
        answers: list[dict[str, object]] = []
        for files in units:
            buffer = ctypes.create_string_buffer(_OBJECT_SIZE)
            log = self._read(files, buffer, kind)
            masks = [ctypes.c_uint64.from_buffer(buffer, at).value for at in self.offsets[kind]]
            enums = {key: ctypes.c_int.from_buffer(buffer, at).value
                     for key, at in self.enums[kind].items()}  # fmt: skip
            answers.append({"masks": masks, "log": log, "enums": enums})
        return answers

    def tables(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for kind in KINDS:
            function = getattr(self.core, f"bpf_delegate_{kind}_to_string")
            function.restype = ctypes.c_char_p
            function.argtypes = [ctypes.c_uint64]
            names: list[str] = []
            while (name := function(len(names))) is not None:
                names.append(name.decode())
            result[kind] = names
        return result

    def search(self, root: str, names: list[str]) -> list[list[object]]:
        paths = ctypes.create_string_buffer(4096)  # LookupPaths: search_path comes first
        init = self.shared.lookup_paths_init
        init.restype = ctypes.c_int
        init.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p]
        if init(paths, 0, 0, root.encode()) < 0:  # RUNTIME_SCOPE_SYSTEM, no flags
            raise RuntimeError("lookup_paths_init failed")
        strv = ctypes.POINTER(ctypes.c_char_p)
        search_path = ctypes.cast(paths, ctypes.POINTER(strv))[0]
        build = self.shared.unit_file_build_name_map
        build.restype = ctypes.c_int
        pointer = ctypes.POINTER(ctypes.c_void_p)
        build.argtypes = [ctypes.c_void_p, ctypes.c_void_p, pointer, pointer, pointer]
        ids, by_name, cache = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
        if build(paths, None, ctypes.byref(ids), ctypes.byref(by_name), ctypes.byref(cache)) < 0:
            raise RuntimeError("unit_file_build_name_map failed")
        fragment = self.shared.unit_file_find_fragment
        fragment.restype = ctypes.c_int
        fragment.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                             ctypes.POINTER(ctypes.c_char_p), pointer]  # fmt: skip
        dropins = self.shared.unit_file_find_dropin_paths
        dropins.restype = ctypes.c_int
        dropins.argtypes = [ctypes.c_char_p, strv, ctypes.c_void_p, ctypes.c_char_p,
                            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p,
                            ctypes.POINTER(strv)]  # fmt: skip
        answers: list[list[object]] = []
        for name in names:
            own, aliases = ctypes.c_char_p(), ctypes.c_void_p()
            if fragment(ids, by_name, name.encode(), ctypes.byref(own), ctypes.byref(aliases)) < 0:
                raise RuntimeError(f"unit_file_find_fragment({name}) failed")
            # As the manager loads it: the unit is named by its file (an alias's target),
            # an instance keeps its own name, and every name of the unit brings drop-ins.
            base = None if own.value is None else os.path.basename(own.value.decode())
            unit = name if base is None or base == name or "@." in base else base
            found = strv()
            if dropins(root.encode(), search_path, None, b".d", b".conf", unit.encode(),
                       aliases, ctypes.byref(found)) < 0:  # fmt: skip
                raise RuntimeError(f"unit_file_find_dropin_paths({name}) failed")
            listed = []
            while found and found[len(listed)]:
                listed.append(found[len(listed)].decode())
            answers.append([None if own.value is None else own.value.decode(), listed, unit])
        return answers

    def words(self, kind: str, words: list[str]) -> list[int]:
        function = getattr(self.core, f"bpf_delegate_{kind}_from_string")
        function.restype = ctypes.c_int64
        function.argtypes = [ctypes.c_char_p]
        return [function(word.encode("utf-8", "surrogateescape")) for word in words]


def main() -> None:
    child = Child(Path(sys.argv[1]))
    out = os.fdopen(os.dup(1), "w")
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "tables":
                answer: object = child.tables()
            elif request["op"] == "units":
                answer = child.units(request["units"], request.get("kind", "service"))
            elif request["op"] == "search":
                answer = child.search(request["root"], request["names"])
            else:
                answer = child.words(request["kind"], request["words"])
        except Exception:
            child.stderr.write(traceback.format_exc())
            raise
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
