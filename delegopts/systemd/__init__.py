"""systemd's reading of ``PrivateBPF=``/``BPFDelegate*=``, release by release (258 onwards).

- :mod:`~delegopts.systemd.headers`: the rules of systemd's build script that make its name
  tables from the ``bpf.h`` it bundles (and the shifts they cause);
- :mod:`~delegopts.systemd.tables`: the shipped tables of each release and point release;
- :mod:`~delegopts.systemd.units`: unit files and drop-ins read as ``config_parse()`` does;
- :mod:`~delegopts.systemd.model`: assignments to the four masks, and what systemd does
  silently on the way;
- :mod:`~delegopts.systemd.write`: masks as the settings a release reads back.

>>> from delegopts.systemd.model import Assignment, evaluate
>>> from delegopts.systemd.tables import load
>>> from delegopts.catalog import OptionKind
>>> lines = [Assignment(OptionKind.PROGS, "BPFProgTypeNetfilter")]
>>> hex(evaluate(lines, load("262.1")).masks[OptionKind.PROGS])  # the kernel's syscall bit
'0x80000000'
"""
