"""The BPFDelegate*= name tables of each systemd release (tools/gen_systemd_tables.py)."""
