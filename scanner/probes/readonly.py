"""A read-only guard for the collector script: tokenize the PowerShell and refuse anything but reads.

It works by allow-list, so a construct it does not know is refused rather than let through:
- commands: only read verbs (Get-, Test-, Select-, Where-, ForEach-, Measure-, Sort-, Group-, Join-,
  Split-, Resolve-, Compare-, ConvertTo-) and Out-Null / Out-String / Write-Output; functions the
  script defines must follow the same rule; any other bare command (reg, sc.exe, iex, del...) is refused;
- .NET and WMI method calls: only an allow-list of reading methods; OpenSubKey with a second argument
  (which can open a key for writing) is refused; writers such as SetValue, CreateSubKey, DeleteValue,
  InvokeMethod, Create, Delete, Stop, Start, WriteAllText are named in the message;
- no redirection (>, >>, 2>), no call operator (&) or dot-sourcing, no subexpression inside a
  double-quoted string (its content could not be checked);
- Windows PowerShell 3.0 compatibility: no ?. / ?? / ternary, no ::new(), no classes or using, no
  .Where()/.ForEach() methods, no -AsHashtable, no ConvertFrom-Json.

It is a guard for code we write, not a sandbox for hostile code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

READ_VERBS = frozenset(
    v.casefold()
    for v in (
        "Get",
        "Test",
        "Select",
        "Where",
        "ForEach",
        "Measure",
        "Sort",
        "Group",
        "Join",
        "Split",
        "Resolve",
        "Compare",
        "ConvertTo",
    )
)
READ_COMMANDS = frozenset(c.casefold() for c in ("Out-Null", "Out-String", "Write-Output"))
# Forbidden whatever their verb says: they run code that cannot be checked, or parse JSON (not on PS 3).
DENIED_COMMANDS = frozenset(
    c.casefold() for c in ("ConvertTo-SecureString", "Get-Credential", "Select-Xml", "ConvertFrom-Json")
)
KEYWORDS = frozenset(
    "if elseif else foreach for while do until switch try catch finally function filter param return "
    "break continue throw trap exit begin process end in data".split()
)
READ_METHODS = frozenset(
    m.casefold()
    for m in (
        "OpenBaseKey",
        "OpenSubKey",
        "GetValue",
        "GetValueNames",
        "GetSubKeyNames",
        "GetValueKind",
        "Close",
        "Dispose",
        "ToString",
        "Trim",
        "TrimStart",
        "TrimEnd",
        "ToUpper",
        "ToLower",
        "ToUpperInvariant",
        "ToLowerInvariant",
        "Contains",
        "ContainsKey",
        "StartsWith",
        "EndsWith",
        "Substring",
        "IndexOf",
        "Split",
        "Equals",
        "GetType",
        "GetVersionInfo",
        "GetEnvironmentVariable",
        "Format",
        "Join",
        "Combine",
        "GetFileName",
        "Exists",
        "TryParse",
        "Parse",
    )
)
WRITE_METHODS = frozenset(
    m.casefold()
    for m in (
        "SetValue",
        "CreateSubKey",
        "DeleteValue",
        "DeleteSubKey",
        "DeleteSubKeyTree",
        "SetAccessControl",
        "InvokeMethod",
        "Create",
        "Delete",
        "Put",
        "Stop",
        "Start",
        "Kill",
        "Invoke",
        "InvokeScript",
        "WriteAllText",
        "WriteAllBytes",
        "WriteAllLines",
        "AppendAllText",
        "AppendAllLines",
        "Move",
        "Copy",
        "Replace",
        "Write",
        "WriteLine",
    )
)

_WORD_CHARS = re.compile(r"[A-Za-z0-9_\-]+")
_VAR = re.compile(r"\$(?:\{[^}]*\}|[A-Za-z0-9_]+(?::[A-Za-z0-9_]+)?|[_$?^])")
_VERB_NOUN = re.compile(r"^([A-Za-z]+)-([A-Za-z0-9]+)$")
_COMMAND_START = {"", "\n", ";", "{", "(", "|", "=", "+=", "-=", "@(", "$(", "@{", "&&", "||"}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # word, var, str, dstr, op, nl
    text: str
    line: int
    spaced_after: bool = False  # whitespace follows the token


class _Lexer:
    def __init__(self, src: str) -> None:
        self.s = src.replace("\r\n", "\n")
        self.i = 0
        self.line = 1
        self.toks: list[_Tok] = []
        self.problems: list[str] = []

    def _emit(self, kind: str, text: str, line: int) -> None:
        nxt = self.s[self.i : self.i + 1]
        self.toks.append(_Tok(kind, text, line, spaced_after=nxt in (" ", "\t")))

    def run(self) -> list[_Tok]:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            start_line = self.line
            if c == "\n":
                self.i += 1
                self.line += 1
                self._emit("nl", "\n", start_line)
            elif c in " \t":
                self.i += 1
            elif c == "`" and s[self.i + 1 : self.i + 2] == "\n":  # line continuation
                self.i += 2
                self.line += 1
            elif s.startswith("<#", self.i):
                end = s.find("#>", self.i + 2)
                end = len(s) if end < 0 else end + 2
                self.line += s.count("\n", self.i, end)
                self.i = end
            elif c == "#":
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
            elif s.startswith("@'", self.i) or s.startswith('@"', self.i):
                quote = s[self.i + 1]
                end = s.find("\n" + quote + "@", self.i + 2)
                end = len(s) if end < 0 else end + 3
                body = s[self.i : end]
                self.line += body.count("\n")
                self.i = end
                self._emit("dstr" if quote == '"' else "str", body, start_line)
            elif c == "'":
                j = self.i + 1
                while j < len(s):
                    if s[j] == "'" and s[j + 1 : j + 2] == "'":
                        j += 2
                    elif s[j] == "'":
                        break
                    else:
                        j += 1
                body = s[self.i : j + 1]
                self.line += body.count("\n")
                self.i = j + 1
                self._emit("str", body, start_line)
            elif c == '"':
                j = self.i + 1
                while j < len(s):
                    if s[j] == "`":
                        j += 2
                    elif s[j] == '"' and s[j + 1 : j + 2] == '"':
                        j += 2
                    elif s[j] == '"':
                        break
                    else:
                        j += 1
                body = s[self.i : j + 1]
                self.line += body.count("\n")
                self.i = j + 1
                self._emit("dstr", body, start_line)
            elif c == "$":
                if s[self.i + 1 : self.i + 2] == "(":
                    self.i += 2
                    self._emit("op", "$(", start_line)
                    continue
                m = _VAR.match(s, self.i)
                if m is None:
                    self.i += 1
                    self._emit("op", "$", start_line)
                else:
                    self.i = m.end()
                    self._emit("var", m.group(0), start_line)
            elif c == "@" and s[self.i + 1 : self.i + 2] in ("(", "{"):
                self.i += 2
                self._emit("op", "@" + s[self.i - 1], start_line)
            elif _WORD_CHARS.match(c):
                m = _WORD_CHARS.match(s, self.i)
                assert m is not None
                self.i = m.end()
                self._emit("word", m.group(0), start_line)
            else:
                for op in ("::", "+=", "-=", ">>", "&&", "||", "??", "?."):
                    if s.startswith(op, self.i):
                        self.i += len(op)
                        self._emit("op", op, start_line)
                        break
                else:
                    self.i += 1
                    self._emit("op", c, start_line)
        return self.toks


def _args_count(toks: list[_Tok], open_index: int) -> int:
    """Number of arguments of the call whose '(' is at open_index (0 for an empty call)."""
    depth, count, seen = 0, 1, False
    for t in toks[open_index:]:
        if t.kind == "op" and t.text in ("(", "@(", "$(", "[", "{", "@{"):
            depth += 1
            if depth == 1:
                continue
        elif t.kind == "op" and t.text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return count if seen else 0
        elif depth == 1 and t.kind == "op" and t.text == ",":
            count += 1
        if depth >= 1 and t.kind != "nl":
            seen = True
    return count


def read_only_violations(script: str) -> list[str]:
    """Every construct in ``script`` that is not a plain read, as "line N: what" (empty: clean)."""
    toks = _Lexer(script).run()
    out: list[str] = []
    defined: set[str] = set()
    prev = ""  # the previous significant token's text, for command position
    prev_kind = ""
    for n, t in enumerate(toks):
        nxt = toks[n + 1] if n + 1 < len(toks) else None
        at_command = prev in _COMMAND_START or prev_kind == "keyword"
        if t.kind == "dstr" and "$(" in t.text:
            out.append(f"line {t.line}: subexpression $(...) inside a double-quoted string cannot be checked")
        elif t.kind == "op" and t.text in (">", ">>"):
            out.append(f"line {t.line}: redirection '{t.text}' writes to a file")
        elif t.kind == "op" and t.text == "&" and prev not in ("&",):
            out.append(f"line {t.line}: the call operator & runs a command that cannot be checked")
        elif t.kind == "op" and t.text in ("??", "?.", "?"):
            out.append(f"line {t.line}: '{t.text}' is not Windows PowerShell 3.0 syntax")
        elif t.kind == "op" and t.text == "." and at_command and t.spaced_after:
            out.append(f"line {t.line}: dot-sourcing runs a script that cannot be checked")
        elif t.kind == "word" and prev in (".", "::") and nxt is not None and nxt.text == "(":
            name = t.text.casefold()
            if name == "new" and prev == "::":
                out.append(f"line {t.line}: ::new() is not Windows PowerShell 3.0 syntax (use a cast)")
            elif name in ("where", "foreach"):
                out.append(f"line {t.line}: .{t.text}() is not Windows PowerShell 3.0 (use the pipeline)")
            elif name in WRITE_METHODS:
                out.append(f"line {t.line}: method {t.text}() changes state")
            elif name not in READ_METHODS:
                out.append(f"line {t.line}: method {t.text}() is not on the read-only allow-list")
            elif name == "opensubkey" and _args_count(toks, n + 1) != 1:
                out.append(f"line {t.line}: OpenSubKey with more than one argument can open a key for writing")
        elif t.kind == "word" and t.text.casefold() == "-ashashtable":
            out.append(f"line {t.line}: -AsHashtable is not Windows PowerShell 3.0")
        elif t.kind == "word" and prev == "function":
            defined.add(t.text.casefold())
            out.extend(_command_problems(t, defined, definition=True))
        elif t.kind == "word" and at_command and not (nxt is not None and nxt.text in ("=", "+=", "-=")):
            word = t.text.casefold()
            if word in ("class", "using", "enum"):
                out.append(f"line {t.line}: '{t.text}' is not Windows PowerShell 3.0 syntax")
            elif word not in KEYWORDS and not word[0].isdigit() and not word.startswith("-"):
                # numbers and operators such as -not start expressions, not commands
                out.extend(_command_problems(t, defined, definition=False))
        elif t.kind == "word" and prev not in (".", "::") and _VERB_NOUN.match(t.text):
            # A Verb-Noun word anywhere else is still checked: command position is a heuristic.
            out.extend(_command_problems(t, defined, definition=False))
        if t.kind == "word" and t.text.casefold() in KEYWORDS and at_command:
            prev, prev_kind = t.text.casefold(), "keyword"
            if prev in ("function", "filter"):
                prev = "function"
        else:
            prev, prev_kind = t.text, t.kind
    return out


def _command_problems(t: _Tok, defined: set[str], definition: bool) -> list[str]:
    word = t.text.casefold()
    if not definition and word in defined:
        return []  # the definition was checked where it was written
    what = "function name" if definition else "command"
    if word in DENIED_COMMANDS:
        return [f"line {t.line}: {what} {t.text} is not allowed in the collector"]
    if word in READ_COMMANDS:
        return []
    m = _VERB_NOUN.match(t.text)
    if m is None:
        return [f"line {t.line}: {what} {t.text} is not a known read-only command"]
    if m.group(1).casefold() not in READ_VERBS:
        return [f"line {t.line}: {what} {t.text} uses the verb {m.group(1)}, which can change state"]
    return []
