"""A mount(8) command line, as typed: the bpffs data string its ``-o`` options make.

``-o`` may be given several times (mount(8) joins them with ``,``); flags and userspace
options (``ro``, ``noexec``, ``defaults``, ``x-*``...) never reach the kernel.

>>> scan = scan_command("mount -t bpf bpffs /sys/fs/bpf/token -o delegate_cmds=prog_load "
...                     "-o ro,delegate_progs=kprobe")
>>> scan.found[0].options
'delegate_cmds=prog_load,delegate_progs=kprobe'
"""

from __future__ import annotations

from delegopts._namedtuple import NamedTuple
from delegopts.diagnostics import Code, Diagnostic
from delegopts.errors import Span
from delegopts.formats._found import Builder, Scan, finding
from delegopts.formats.mountopts import kept_pieces
from delegopts.grammar.lines import LineSyntaxError, Node, parse_line

__all__ = ["Word", "scan_command", "split_words"]

_WITH_VALUE = {
    "-t",
    "--types",
    "-o",
    "--options",
    "-O",
    "--test-opts",
    "-L",
    "--label",
    "-U",
    "--uuid",
    "-N",
    "--namespace",
    "--source",
    "--target",
    "--options-mode",
    "--options-source",
    "-T",
    "--fstab",
    "--map-users",
    "--map-groups",
    "-B",
    "--bind",
}
_WRAPPERS = {"sudo", "doas", "env", "exec", "command", "nsenter"}


class Word(NamedTuple):
    """One shell word: its text after quote removal, each character's column, its span."""

    text: str
    columns: tuple[int, ...]
    span: Span


def _word(node: Node) -> Word:
    text: list[str] = []
    columns: list[int] = []
    for part in node.children:
        token = part.children[0]
        raw, start = str(token), token.start_pos or 0
        if token.type == "BARE":
            text.append(raw)
            columns.extend(range(start, start + len(raw)))
        elif token.type == "SQUOTED":
            text.append(raw[1:-1])
            columns.extend(range(start + 1, start + len(raw) - 1))
        elif token.type == "ESCAPED":
            text.append(raw[1])
            columns.append(start + 1)
        else:
            index = 1
            while index < len(raw) - 1:
                if raw[index] == "\\" and raw[index + 1] in '"\\$`':
                    index += 1
                text.append(raw[index])
                columns.append(start + index)
                index += 1
    first = node.children[0].children[0].start_pos or 0
    last = node.children[-1].children[0].end_pos or first
    return Word("".join(text), tuple(columns), Span(first, last))


def split_words(line: str) -> list[Word]:
    """Split a command line like a POSIX shell, keeping columns.

    >>> [w.text for w in split_words("mount -o 'a b'\\\\,c \\"d\\"")]
    ['mount', '-o', 'a b,c', 'd']
    """
    return [_word(node) for node in parse_line("cmdline", line).children]


def scan_command(command: str | list[str], path: str = "<command line>") -> Scan:
    """Read a mount command line (a string as typed, or argv words)."""
    if isinstance(command, str):
        line = command
    else:
        import shlex  # argv words: quoted back into the line a shell would have been given

        line = shlex.join(command)
    try:
        words = split_words(line)
    except LineSyntaxError as error:
        return Scan.of(
            (),
            [
                finding(
                    Code.COMMAND_QUOTES,
                    f"cannot split the command line: {error}",
                    path,
                    1,
                    line,
                    error.span,
                    "check the quotes",
                )
            ],
        )
    while words and words[0].text.rsplit("/", 1)[-1] in _WRAPPERS | {""}:
        words = words[1:]
    if not words or words[0].text.rsplit("/", 1)[-1] != "mount":
        span = words[0].span if words else Span(0, 1)
        fix = "give it as: -- mount -t bpf SOURCE TARGET -o OPTIONS"
        return Scan.of(
            (), [finding(Code.NOT_MOUNT, "not a mount command", path, 1, line, span, fix)]
        )
    fstype: tuple[Word, int] | None = None
    options: list[tuple[Word, int]] = []  # a word and where its value starts
    positional: list[Word] = []
    index = 1
    while index < len(words):
        word, text = words[index], words[index].text
        name, _, inline = text.partition("=") if text.startswith("--") else (text[:2], "", text[2:])
        if name in _WITH_VALUE and text.startswith("-"):
            if inline or (not text.startswith("--") and len(text) > 2):
                value_word, offset = word, len(text) - len(inline)
            elif index + 1 < len(words):
                index += 1
                value_word, offset = words[index], 0
            else:
                return Scan.of(
                    (),
                    [finding(Code.OPTION_VALUE, f"{name} needs a value", path, 1, line, word.span)],
                )
            if name in ("-t", "--types"):
                fstype = (value_word, offset)
            elif name in ("-o", "--options"):
                options.append((value_word, offset))
        elif text.startswith("-") and text != "-":
            pass
        else:
            positional.append(word)
        index += 1
    findings: list[Diagnostic] = []
    if fstype is None:
        findings.append(
            finding(
                Code.NO_TYPE,
                "no '-t bpf': mount(8) guesses the type from the source",
                path,
                1,
                line,
                words[0].span,
                "add -t bpf",
            )
        )
    elif fstype[0].text[fstype[1] :] != "bpf":
        word, offset = fstype
        message = f"not a bpffs mount (type {word.text[offset:]!r}): left alone"
        return Scan.of((), [finding(Code.OTHER_TYPE, message, path, 1, line, word.span)], 1)
    builder = Builder([(1, line)])
    first = True
    for word, offset in options:
        value = word.text[offset:]
        columns = list(word.columns[offset:])
        kept, _ = kept_pieces(value)
        for begin, end in kept:
            if not first:
                builder.add_mapped(",", 0, [columns[begin - 1] if begin else word.span.start])
            builder.add_mapped(value[begin:end], 0, columns[begin:end])
            first = False
    target = positional[-1].text if positional else None
    end = options[-1][0].span.end if options else len(line)
    found = builder.found(path=path, end=(0, end), what="mount command line", target=target)
    return Scan.of([found], findings)
