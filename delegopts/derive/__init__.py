"""Which delegate options a BPF application needs, read from its compiled BPF objects.

:func:`~delegopts.derive.elfobj.find_objects` finds the objects (standalone, or embedded
in executables and libraries as libbpf skeletons keep them);
:func:`~delegopts.derive.needs.derive` says, bit by bit, what a BPF token must allow for
libbpf of a given release to load them on a given kernel, and why.
"""
