"""The parsers generated from the Lark grammars in ``grammars/``.

The ``.lark`` files are the only source of what is accepted. ``tablegen`` has Lark compile
each into LALR tables (``grammars/*.tables.json``, made by ``tools/gen_parse_tables.py``
and shipped); ``lalr`` runs those tables the way Lark's own LALR parser with a contextual
lexer does, so no command imports Lark or builds a parser at start-up. A table that does
not match its grammar's text is never used: Lark builds the parser instead.

``splitter`` cuts a bpffs option string into pieces (``options.lark``); ``lines`` parses
one line of an input file with its format's grammar (fstab, mountinfo, command lines,
systemd units, Incus keys); ``resources`` reads the shipped grammar files.

Measured (wheel install, ``bench/bench_startup.py``): running the shipped tables instead of
importing Lark and building the parsers saves about 33 ms of ``show``'s start-up net of what
it imports anyway, 47 ms on a bare interpreter.
"""
