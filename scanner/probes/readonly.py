"""A read-only guard for the collector script, by allow-list on the real PowerShell grammar.

The script is parsed with tree-sitter-powershell. Everything in the tree must be on an explicit list, and
anything else is refused, so a construct nobody thought of fails instead of passing:
- constructs: the node types the collector's own code uses (statements, expressions, literals); no
  redirection, no call operator or dot-sourcing, no subexpression or variable inside a double-quoted
  string, no member assignment, no while/for/switch/trap/data;
- commands: the reading cmdlets the collector calls, each with its own list of parameters; ForEach-Object
  and Where-Object only with a script block (``% Stop`` calls a method by name); functions the script
  defines, whose names must use a reading verb;
- types: the .NET types named in casts, type tests and catch clauses (a cast is a constructor call:
  ``[IO.StreamWriter]'C:\\path'`` opens a file for writing);
- static members ``[T]::M``, instance methods and properties, by name; a member name written as a string
  (``$k.'SetValue'(...)``) only for the one XML property whose name has a dot; OpenSubKey with exactly one
  argument (a second one can open the key for writing);
- variables: the ones the script assigns or declares, plus a short list of automatic ones
  (``$ExecutionContext`` and ``$Host`` reach the engine and are not on it). A declared variable is a plain
  name: a scope or drive prefix reaches outside the script (``$env:PATH = ...`` changes the host process's
  environment, ``${C:\\x.txt} = ...`` writes a file, ``${function:Get-X} = '...'`` redefines a function),
  and PowerShell's own automatic variables cannot be declared (``$ExecutionContext = 1`` would otherwise
  put the engine variable on the list); ``$null = ...`` discards. An element is assigned (``$t['k'] = v``)
  only in a table the script made: a variable every assignment of which is a hash literal;
- comments, except ``#requires``, which is a directive (``-Modules`` imports a module, running its code).

It is a guard for code we write, not a sandbox for hostile code. scanner.probes.ps2_api checks the other
promise of the ps2 dialect (only what Windows PowerShell 2.0 and .NET 2.0 provide) on the same tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the grammar is a test dependency (pyproject's "test" extra): imported when a script is parsed
    import tree_sitter

# Node types (named and anonymous) the collector's code is made of.
ALLOWED_NODES = frozenset(
    """program statement_list empty_statement pipeline pipeline_chain comment
    logical_expression bitwise_expression comparison_expression additive_expression multiplicative_expression
    format_expression range_expression array_literal_expression unary_expression
    logical_argument_expression bitwise_argument_expression comparison_argument_expression
    additive_argument_expression multiplicative_argument_expression format_argument_expression
    range_argument_expression argument_expression argument_expression_list argument_list
    expression_with_unary_operator cast_expression parenthesized_expression array_expression
    hash_literal_expression hash_literal_body hash_entry key_expression simple_name
    script_block_expression script_block script_block_body statement_block
    assignment_expression left_assignment_expression assignement_operator
    element_access member_access invokation_expression member_name
    command command_name command_elements command_argument_sep command_parameter generic_token
    function_statement function_name function_parameter_declaration parameter_list script_parameter
    script_parameter_default attribute_list attribute
    if_statement elseif_clauses elseif_clause else_clause foreach_statement try_statement catch_clauses
    catch_clause catch_type_list finally_clause flow_control_statement
    type_literal type_spec type_name type_identifier
    variable string_literal verbatim_string_characters expandable_string_literal
    integer_literal decimal_integer_literal comparison_operator format_operator
    if elseif else foreach in try catch finally function return throw continue break
    ( ) { } [ ] @( @{ , ; = += . :: | + - * $_ -and -or -not ! -f -join
    -eq -ne -lt -gt -le -ge -is -isnot -contains -notcontains -like -notlike""".split()
) | {" ", "\n"}

# command (casefold) -> the parameters it may be given (casefold, without the dash).
COMMANDS: dict[str, frozenset[str]] = {
    c.casefold(): frozenset(p.casefold() for p in params.split())
    for c, params in {
        "Get-Item": "LiteralPath Force",
        "Get-Content": "LiteralPath Raw",
        "Test-Path": "LiteralPath PathType",
        "Join-Path": "",
        "Get-Service": "Name ErrorAction",
        "Get-WmiObject": "Class Property Filter Query",
        "Get-CimInstance": "ClassName Property Filter OperationTimeoutSec",
        "Get-CimAssociatedInstance": "InputObject Association ResultClassName OperationTimeoutSec",
        "ForEach-Object": "",
        "Where-Object": "",
        "ConvertTo-Json": "InputObject Depth Compress",
    }.items()
}
SCRIPT_BLOCK_ONLY = frozenset({"foreach-object", "where-object"})
# Functions the script defines may only be named with these verbs.
FUNCTION_VERBS = frozenset({"get", "convertto"})

# The name written in the script (casefold) -> the .NET type PowerShell resolves it to.
TYPES: dict[str, str] = {
    "string": "System.String",
    "char": "System.Char",
    "bool": "System.Boolean",
    "int": "System.Int32",
    "long": "System.Int64",
    "int16": "System.Int16",
    "uint16": "System.UInt16",
    "uint32": "System.UInt32",
    "uint64": "System.UInt64",
    "byte": "System.Byte",
    "sbyte": "System.SByte",
    "double": "System.Double",
    "single": "System.Single",
    "decimal": "System.Decimal",
    "xml": "System.Xml.XmlDocument",
    "system.collections.idictionary": "System.Collections.IDictionary",
    "system.collections.ienumerable": "System.Collections.IEnumerable",
    "system.management.automation.errorrecord": "System.Management.Automation.ErrorRecord",
    "system.management.automation.itemnotfoundexception": "System.Management.Automation.ItemNotFoundException",
    "microsoft.win32.registry": "Microsoft.Win32.Registry",
    "microsoft.win32.registrykey": "Microsoft.Win32.RegistryKey",
    "microsoft.win32.registryhive": "Microsoft.Win32.RegistryHive",
    "microsoft.win32.registryview": "Microsoft.Win32.RegistryView",
    "security.principal.windowsidentity": "System.Security.Principal.WindowsIdentity",
}
# Types a value may be cast to (a cast is a conversion, maybe a constructor): plain data only.
CAST_TYPES = frozenset(
    {"System.String", "System.Int32", "System.Boolean", "System.Xml.XmlDocument"}
)

# (type, member) read through ``[T]::M``.
STATIC_MEMBERS = frozenset(
    {
        ("Microsoft.Win32.Registry", "LocalMachine"),
        ("Microsoft.Win32.Registry", "CurrentUser"),
        ("Microsoft.Win32.RegistryKey", "OpenBaseKey"),
        ("Microsoft.Win32.RegistryHive", "LocalMachine"),
        ("Microsoft.Win32.RegistryHive", "CurrentUser"),
        ("Microsoft.Win32.RegistryView", "Registry64"),
        ("System.Security.Principal.WindowsIdentity", "GetCurrent"),
    }
)
# Instance methods, by name (casefold); the value: how many arguments it may take.
METHODS: dict[str, frozenset[int]] = {
    "opensubkey": frozenset({1}),
    "getvalue": frozenset({1}),
    "getvaluenames": frozenset({0}),
    "getsubkeynames": frozenset({0}),
    "close": frozenset({0}),
    "trim": frozenset({0}),
    "tochararray": frozenset({0}),
    "containskey": frozenset({1}),
    "get_keys": frozenset({0}),
}
# Instance properties read, by name (casefold).
PROPERTIES = frozenset(
    p.casefold()
    for p in """status value error Exception Message VersionInfo FileMajorPart FileMinorPart FileBuildPart
    FilePrivatePart CategoryInfo Category Status Count HotFixID DomainRole ID Domain Name SID __RELPATH
    PSVersion CLRVersion version configuration applicationPools applicationPoolDefaults
    enable32BitAppOnWin64""".split()
)
# Member names written as strings: only XML element names that are not identifiers.
QUOTED_PROPERTIES = frozenset({"system.applicationhost"})
# Automatic variables the script may read.
AUTOMATIC_VARIABLES = frozenset(
    v.casefold()
    for v in ("$_", "$null", "$true", "$false", "$env:COMPUTERNAME", "$PSVersionTable", "$ErrorActionPreference",
              "$ProgressPreference")
)
# Preference variables among them that the script may set (they only change its own session).
PREFERENCE_VARIABLES = frozenset(v.casefold() for v in ("$ErrorActionPreference", "$ProgressPreference"))
# PowerShell's automatic variables (about_Automatic_Variables, Windows PowerShell 2.0 to 5.1 and 7): the
# engine sets them, so none of them is the script's own even where the script assigns it.
ENGINE_VARIABLES = frozenset(
    f"${v}".casefold()
    for v in """$ ? ^ _ args ConsoleFileName EnabledExperimentalFeatures Error Event EventArgs EventSubscriber
    ExecutionContext false foreach HOME Host input IsCoreCLR IsLinux IsMacOS IsWindows LASTEXITCODE Matches
    MyInvocation NestedPromptLevel null PID PROFILE PSBoundParameters PSCmdlet PSCommandPath PSCulture
    PSDebugContext PSEdition PSHOME PSItem PSScriptRoot PSSenderInfo PSUICulture PSVersionTable PWD Sender
    ShellId StackTrace switch this true""".split()
)
_PLAIN_VARIABLE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")
_REQUIRES = re.compile(r"#\s*requires\b", re.IGNORECASE)


@cache
def _parser() -> tree_sitter.Parser:
    import tree_sitter
    import tree_sitter_powershell

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def parse(script: str) -> tree_sitter.Tree:
    """The script's syntax tree (tree-sitter-powershell)."""
    return _parser().parse(script.encode("utf-8"))


def walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8")


def type_name(node: tree_sitter.Node) -> str:
    """The name inside a type literal, e.g. 'Microsoft.Win32.Registry' for '[Microsoft.Win32.Registry]'."""
    return text(node).strip("[]").strip()


def _child(node: tree_sitter.Node, kind: str) -> tree_sitter.Node | None:
    return next((c for c in node.children if c.type == kind), None)


def argument_count(invocation: tree_sitter.Node) -> int:
    args = _child(invocation, "argument_list")
    if args is None:
        return 0
    inner = _child(args, "argument_expression_list")
    return 0 if inner is None else sum(1 for c in inner.children if c.type == "argument_expression")


def _unwrap(node: tree_sitter.Node) -> tree_sitter.Node:
    """The expression under the grammar's single-child wrappers (unary_expression, range_expression...)."""
    while node.named_child_count == 1 and node.type.endswith("expression") and node.type not in (
        "script_block_expression", "parenthesized_expression", "array_expression", "hash_literal_expression"
    ):
        child = node.named_children[0]
        if child is None:
            break
        node = child
    return node


@dataclass(frozen=True, slots=True)
class Use:
    line: int
    what: str  # "command", "parameter", "type", "static", "method", "property", "operator", "node"
    name: str
    extra: str = ""  # a command's parameter: the command; a method: its argument count


@dataclass(slots=True)
class Inventory:
    """What a script uses, read off its syntax tree."""

    uses: list[Use] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # structural problems found on the way
    functions: set[str] = field(default_factory=set)
    declared: set[str] = field(default_factory=set)  # variables assigned or declared (casefold)
    tables: set[str] = field(default_factory=set)  # variables only ever assigned a hash literal (casefold)


def _line(node: tree_sitter.Node) -> int:
    return node.start_point[0] + 1


def inventory(script: str) -> Inventory:
    inv = Inventory()
    root = parse(script).root_node
    table_or_not: dict[str, bool] = {}  # variable -> every assignment of it so far is a hash literal
    for n in walk(root):
        if n.type == "ERROR" or n.is_missing:
            inv.problems.append(f"line {_line(n)}: does not parse as PowerShell: {text(n)[:60]!r}")
        elif n.type == "function_statement":
            name_node = _child(n, "function_name")
            if name_node is not None:
                inv.functions.add(text(name_node).casefold())
        elif n.type in ("left_assignment_expression", "script_parameter"):
            var = next((v for v in walk(n) if v.type == "variable"), None)
            if var is not None:
                name = text(var).casefold()
                inv.declared.add(name)
                if n.type == "script_parameter" or _unwrap(n).type in ("variable", "cast_expression"):
                    is_table = n.type == "left_assignment_expression" and _assigns_hash_literal(n)
                    table_or_not[name] = table_or_not.get(name, True) and is_table
        elif n.type == "foreach_statement":
            var = _child(n, "variable")
            if var is not None:
                inv.declared.add(text(var).casefold())
                table_or_not[text(var).casefold()] = False
    inv.tables = {name for name, only_tables in table_or_not.items() if only_tables}
    for n in walk(root):
        _note(n, inv)
    return inv


def _assigns_hash_literal(left: tree_sitter.Node) -> bool:
    """Whether the assignment ``left`` is the target of is ``$plain = @{...}``."""
    assignment = left.parent
    if assignment is None or assignment.type != "assignment_expression" or _unwrap(left).type != "variable":
        return False
    operator = _child(assignment, "assignement_operator")
    value = assignment.children[-1]
    if operator is None or text(operator) != "=" or value.type != "pipeline":
        return False
    chain = value.named_children[0] if value.named_child_count == 1 else None
    if chain is None or chain.type != "pipeline_chain" or chain.named_child_count != 1:
        return False
    expression = chain.named_children[0]
    return expression is not None and _unwrap(expression).type == "hash_literal_expression"


def _note(n: tree_sitter.Node, inv: Inventory) -> None:
    line = _line(n)
    inv.uses.append(Use(line, "node", n.type))
    if n.type == "command":
        if _child(n, "command_invokation_operator") is not None:
            inv.problems.append(f"line {line}: the call operator & or dot-sourcing runs code that cannot be checked")
            return
        name_node = _child(n, "command_name")
        name = text(name_node) if name_node is not None else text(n)[:40]
        inv.uses.append(Use(line, "command", name))
        elements = _child(n, "command_elements")
        args = [] if elements is None else [c for c in elements.children if c.type != "command_argument_sep"]
        for a in args:
            if a.type == "command_parameter":
                inv.uses.append(Use(line, "parameter", text(a).lstrip("-").rstrip(":"), name))
        block_only = name.casefold() in SCRIPT_BLOCK_ONLY
        if block_only and (len(args) != 1 or _unwrap(args[0]).type != "script_block_expression"):
            inv.problems.append(f"line {line}: {name} without a script block calls a member by name")
    elif n.type == "type_literal":
        inv.uses.append(Use(line, "type", type_name(n)))
    elif n.type in ("member_access", "invokation_expression"):
        member = _child(n, "member_name")
        if member is None:
            inv.problems.append(f"line {line}: a member reached by an expression cannot be checked")
            return
        quoted = _child(member, "simple_name") is None
        name = text(member).strip("'\"")
        invoked = n.type == "invokation_expression"
        if quoted and (invoked or name.casefold() not in QUOTED_PROPERTIES):
            inv.problems.append(f"line {line}: member {text(member)} written as a string is not on the allow-list")
            return
        if quoted:
            return  # an XML element name on QUOTED_PROPERTIES
        if _child(n, "::") is not None:
            target = n.children[0]
            inv.uses.append(Use(line, "static", name, type_name(target) if target.type == "type_literal" else ""))
        elif invoked:
            inv.uses.append(Use(line, "method", name, str(argument_count(n))))
        else:
            inv.uses.append(Use(line, "property", name))
    elif n.type == "variable":
        inv.uses.append(Use(line, "variable", text(n)))
    elif n.type == "comment" and _REQUIRES.match(text(n)):
        # not a comment: #requires -Modules imports (runs) a module before the script starts
        inv.problems.append(f"line {line}: {text(n)[:40]} is a directive (it can import a module), not a comment")
    elif n.type == "expandable_string_literal" and "$" in text(n):
        inv.problems.append(f"line {line}: a variable or subexpression inside a double-quoted string cannot be checked")
    elif n.type == "left_assignment_expression":
        target = n
        while target.named_child_count == 1 and target.type not in ("member_access", "element_access", "variable"):
            child = target.named_children[0]
            if child is None:
                break
            target = child
        if target.type == "member_access":
            inv.problems.append(f"line {line}: assigning to a member ({text(target)}) can change an object's state")
        elif target.type == "element_access":
            owner = target.children[0]
            if owner.type != "variable" or text(owner).casefold() not in inv.tables:
                inv.problems.append(f"line {line}: assigning to an element of {text(owner)[:40]}, which is not a "
                                    "table the script made (a hash literal), can change an object's state")
        elif target.type in ("variable", "cast_expression"):  # $x = ..., [xml]$x = ...
            variable = next((v for v in walk(target) if v.type == "variable"), None)
            name = text(variable if variable is not None else target)
            if name.casefold() != "$null" and (name.casefold() in ENGINE_VARIABLES or not (
                    _PLAIN_VARIABLE.fullmatch(name) or name.casefold() in PREFERENCE_VARIABLES)):
                inv.problems.append(f"line {line}: assigning to {name} reaches outside the script (a scope or drive "
                                    "prefix, or one of PowerShell's automatic variables)")
        else:
            inv.problems.append(f"line {line}: assigning to {text(target)[:40]} cannot be checked")
    elif n.type == "cast_expression":
        t = _child(n, "type_literal")
        if t is not None:
            inv.uses.append(Use(line, "cast", type_name(t)))
    elif n.type.startswith("-") or n.type in ("comparison_operator", "format_operator"):
        if n.child_count == 0:
            inv.uses.append(Use(line, "operator", n.type))


def resolve_type(name: str) -> str | None:
    return TYPES.get(name.casefold())


def read_only_violations(script: str) -> list[str]:
    """Every construct in ``script`` that is not on the read-only allow-list, as "line N: what" (empty:
    clean)."""
    inv = inventory(script)
    out = list(inv.problems)
    for name in sorted(inv.functions):
        if "-" not in name or name.split("-", 1)[0] not in FUNCTION_VERBS:
            out.append(f"function {name} does not use a reading verb ({', '.join(sorted(FUNCTION_VERBS))})")
    for u in inv.uses:
        problem = _judge(u, inv)
        if problem:
            out.append(f"line {u.line}: {problem}")
    return list(dict.fromkeys(out))


def _judge(u: Use, inv: Inventory) -> str | None:
    key = u.name.casefold()
    if u.what == "node":
        if u.name in ALLOWED_NODES or u.name == "ERROR":
            return None
        return f"construct {u.name} is not on the read-only allow-list"
    if u.what == "command":
        if key in COMMANDS:
            return None
        if key in inv.functions:
            return None  # its definition is judged where it is written
        return f"command {u.name} is not on the read-only allow-list"
    if u.what == "parameter":
        allowed = COMMANDS.get(u.extra.casefold())
        if allowed is None or key in allowed:
            return None  # a script function's own parameters: its body is judged
        return f"parameter -{u.name} of {u.extra} is not on the read-only allow-list"
    if u.what == "type":
        return None if resolve_type(u.name) else f"type [{u.name}] is not on the read-only allow-list"
    if u.what == "cast":
        full = resolve_type(u.name)
        if full is None or full in CAST_TYPES:
            return None  # an unknown type is refused as a type
        return f"a cast to [{u.name}] converts (or constructs) a value of a type that is not plain data"
    if u.what == "static":
        full = resolve_type(u.extra) or u.extra
        if (full, u.name) in STATIC_MEMBERS:
            return None
        return f"static member [{u.extra}]::{u.name} is not on the read-only allow-list"
    if u.what == "method":
        counts = METHODS.get(key)
        if counts is None:
            return f"method {u.name}() is not on the read-only allow-list"
        if int(u.extra) not in counts:
            return f"method {u.name}() with {u.extra} arguments (OpenSubKey with two can open a key for writing)"
        return None
    if u.what == "property":
        return None if key in PROPERTIES else f"property {u.name} is not on the read-only allow-list"
    if u.what == "variable":
        if key in AUTOMATIC_VARIABLES:
            return None
        if key in inv.declared and key not in ENGINE_VARIABLES and _PLAIN_VARIABLE.fullmatch(u.name):
            return None  # the script's own; an assignment to anything else is refused where it is written
        return f"variable {u.name} is neither the script's own nor an allowed automatic variable"
    if u.what == "operator":
        return None
    return None
