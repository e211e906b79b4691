"""The LALR tables of grammars/fstab.lark, for delegopts.grammar.lalr.

Written by tools/gen_parse_tables.py from the grammar (which they hold, to tell when
they are stale): do not edit.
"""

TABLES = {'end': 5,
 'format': 1,
 'grammar': '// One line of fstab(5), or of /proc/mounts (the same six fields).\n'
            '//\n'
            '// Trailing blanks are removed before parsing. Fields are separated by blanks; a '
            'field never holds a blank (fstab writes one as the\n'
            '// octal escape \\040, decoded by the format module). A line may be blank, a '
            'comment, or\n'
            '// an entry; delegopts also reads a comment after the last field, where it puts\n'
            '// "# delegopts: ignore=CODE" (libmount stops after the sixth field).\n'
            '//\n'
            '//   UUID=1 /home ext4 defaults 0 2\n'
            '//   bpffs /sys/fs/bpf/token bpf delegate_cmds=any 0 0   # delegopts: '
            'ignore=D202\n'
            '\n'
            'start: _WS? (entry | COMMENT)?\n'
            '\n'
            'entry: FIELD (_WS FIELD)* (_WS COMMENT)?\n'
            '\n'
            'FIELD: /[^\\s#][^\\s]*/\n'
            'COMMENT: /#[^\\n]*/\n'
            '_WS: /[ \\t]+/\n',
 'lexers': {'0': ['FIELD', 'COMMENT', '_WS'],
            '1': [],
            '10': [],
            '11': ['_WS'],
            '12': ['FIELD', 'COMMENT'],
            '13': [],
            '14': ['_WS'],
            '2': ['_WS'],
            '3': ['FIELD', 'COMMENT'],
            '4': [],
            '5': [],
            '6': ['FIELD', 'COMMENT'],
            '7': ['_WS'],
            '8': [],
            '9': []},
 'root': ['FIELD', 'COMMENT', '_WS'],
 'rules': [{'callback': '__entry_star_0',
            'expand1': False,
            'keep': [[1, 0]],
            'origin': '__entry_star_0',
            'size': 2},
           {'callback': '__entry_star_0',
            'expand1': False,
            'keep': [[0, 1], [2, 0]],
            'origin': '__entry_star_0',
            'size': 3},
           {'callback': 'entry',
            'expand1': False,
            'keep': [[0, 0], [2, 0]],
            'origin': 'entry',
            'size': 3},
           {'callback': 'entry',
            'expand1': False,
            'keep': [[0, 0], [1, 1], [3, 0]],
            'origin': 'entry',
            'size': 4},
           {'callback': 'entry',
            'expand1': False,
            'keep': [[0, 0], [1, 1]],
            'origin': 'entry',
            'size': 2},
           {'callback': 'entry', 'expand1': False, 'keep': None, 'origin': 'entry', 'size': 1},
           {'callback': 'start', 'expand1': False, 'keep': None, 'origin': 'start', 'size': 0},
           {'callback': 'start', 'expand1': False, 'keep': None, 'origin': 'start', 'size': 1},
           {'callback': 'start',
            'expand1': False,
            'keep': [[1, 0]],
            'origin': 'start',
            'size': 2},
           {'callback': 'start',
            'expand1': False,
            'keep': [[1, 0]],
            'origin': 'start',
            'size': 2},
           {'callback': 'start', 'expand1': False, 'keep': [], 'origin': 'start', 'size': 1},
           {'callback': 'start', 'expand1': False, 'keep': None, 'origin': 'start', 'size': 1}],
 'start': 0,
 'states': {'0': {'$END': [1, 6],
                  'COMMENT': [0, 1],
                  'FIELD': [0, 2],
                  '_WS': [0, 3],
                  'entry': [0, 4],
                  'start': [0, 5]},
            '1': {'$END': [1, 7]},
            '10': {'$END': [1, 2]},
            '11': {'$END': [1, 0], '_WS': [1, 0]},
            '12': {'COMMENT': [0, 13], 'FIELD': [0, 14]},
            '13': {'$END': [1, 3]},
            '14': {'$END': [1, 1], '_WS': [1, 1]},
            '2': {'$END': [1, 5], '_WS': [0, 6], '__entry_star_0': [0, 7]},
            '3': {'$END': [1, 10], 'COMMENT': [0, 8], 'FIELD': [0, 2], 'entry': [0, 9]},
            '4': {'$END': [1, 11]},
            '5': {},
            '6': {'COMMENT': [0, 10], 'FIELD': [0, 11]},
            '7': {'$END': [1, 4], '_WS': [0, 12]},
            '8': {'$END': [1, 8]},
            '9': {'$END': [1, 9]}},
 'terminals': {'COMMENT': '#[^\n]*', 'FIELD': '[^\\s#][^\\s]*', '_WS': '[ \t]+'},
 'unless': {}}
