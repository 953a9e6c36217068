"""The installer account's facts (scanner.facts.installer.InstallerFacts), read from Active Directory when the
user names the account that will run Exchange Setup (--installer-account).

Setup tests membership in its own logon token; exready reads the same thing for the named account:
tokenGroups (every group SID the token would carry, nested groups included) on the user object, then
matches it against the well-known groups Setup asks for: Schema Admins (<root domain SID>-518),
Enterprise Admins (<root domain SID>-519), Domain Admins of each domain (<domain SID>-512), and the
Exchange groups found through otherWellKnownObjects on CN=Microsoft Exchange,CN=Services (Organization
Management, Server Management).

Fact ``installer.account`` (one value)::

    {account, found: bool, prefix: str|None, domain: str|None (DNS name), dn, sid, groups: [sid...],
     schema_admins, enterprise_admins: bool, domain_admin_of: [domain DNS names],
     organization_management, server_management: bool|None (None: no Exchange organisation)}

A query the bind account may not make leaves the fact UNREADABLE (its rules turn UNKNOWN); an account
that does not exist is ``found: false``, which the rules report as such.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.directory.connection import Deadline, DirectoryConnection, first_int, first_str, open_directory
from scanner.directory.filters import all_of, eq
from scanner.directory.settings import AdSettings
from scanner.errors import DirectoryAuthError, DirectoryQueryError, UsageError
from scanner.facts.installer import InstallerFacts
from scanner.model.facts import Fact, FactStatus

FACT = "installer.account"
FLAG_CR_NTDS_DOMAIN = 0x2
# otherWellKnownObjects GUIDs of the Exchange security groups (Setup's own constants)
ORGANIZATION_MANAGEMENT = "C262A929D691B74A9E068728F8F842EA"
SERVER_MANAGEMENT = "4DB8E7754EB6C1439565612E69A80A4F"


def sid_to_str(raw: bytes | str) -> str:
    """A binary objectSid (or one already in S-1-... form) as S-1-... text."""
    if isinstance(raw, str):
        if raw.upper().startswith("S-1-"):
            return raw.upper()
        raw = raw.encode("latin-1")
    if len(raw) < 8:
        raise ValueError("a SID has at least 8 bytes")
    revision, count = raw[0], raw[1]
    if len(raw) != 8 + 4 * count:
        raise ValueError(f"a SID with {count} sub-authorities has {8 + 4 * count} bytes, not {len(raw)}")
    authority = int.from_bytes(raw[2:8], "big")
    subs = struct.unpack(f"<{count}I", raw[8:]) if count else ()
    return "S-" + "-".join(str(p) for p in (revision, authority, *subs))


def split_account(account: str) -> tuple[str | None, str, bool]:
    """'DOMAIN\\user' -> ('DOMAIN', 'user', False); 'user@corp.test' -> ('corp.test', 'user@corp.test', True);
    'user' -> (None, 'user', False)."""
    text = account.strip()
    if "\\" in text:
        prefix, _, user = text.partition("\\")
        return prefix.strip() or None, user.strip(), False
    if "@" in text:
        return text.rsplit("@", 1)[1].strip(), text, True
    return None, text, False


def _raw(attrs: Mapping[str, Sequence[Any]], name: str) -> list[Any]:
    for key, values in attrs.items():
        if key.lower() == name.lower():
            return list(values)
    return []


def _sid_of(directory: DirectoryConnection, dn: str) -> str | None:
    attrs = directory.read(dn, ["objectSid"])
    values = _raw(attrs or {}, "objectSid")
    return sid_to_str(values[0]) if values else None


def _domains(directory: DirectoryConnection) -> list[dict[str, str | None]]:
    entries = directory.search(
        f"CN=Partitions,{directory.root.config_nc}",
        "(objectClass=crossRef)",
        ["nCName", "dnsRoot", "nETBIOSName", "systemFlags"],
        one_level=True,
    )
    # the domain bit of systemFlags, tested here rather than with a bitwise matching rule in the filter
    return [
        {"dn": first_str(a, "nCName"), "dns": first_str(a, "dnsRoot"), "netbios": first_str(a, "nETBIOSName")}
        for _, a in entries
        if first_str(a, "nCName") and (first_int(a, "systemFlags") or 0) & FLAG_CR_NTDS_DOMAIN
    ]


def _well_known_group_sid(directory: DirectoryConnection, guid: str) -> str | None:
    exchange = directory.read(f"CN=Microsoft Exchange,CN=Services,{directory.root.config_nc}",
                              ["otherWellKnownObjects"])
    for value in _raw(exchange or {}, "otherWellKnownObjects"):
        text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
        parts = text.split(":", 3)  # B:32:<GUID>:<DN>
        if len(parts) == 4 and parts[2].upper() == guid:
            return _sid_of(directory, parts[3])
    return None


def read_account(directory: DirectoryConnection, account: str) -> dict[str, Any]:
    """The installer.account value. Raises DirectoryQueryError/DirectoryAuthError when AD refuses a read."""
    prefix, user, is_upn = split_account(account)
    out: dict[str, Any] = {"account": account, "found": False, "prefix": prefix, "domain": None, "dn": None,
                           "sid": None, "groups": [], "schema_admins": False, "enterprise_admins": False,
                           "domain_admin_of": [], "organization_management": None, "server_management": None}
    domains = _domains(directory)
    if prefix is None:
        home = next((d for d in domains if (d["dn"] or "").lower() == directory.root.default_nc.lower()), None)
    else:
        wanted = prefix.casefold()
        home = next((d for d in domains if wanted in ((d["netbios"] or "").casefold(), (d["dns"] or "").casefold())),
                    None)
    if home is None or not home["dn"]:
        return out  # not a domain of this forest: a local account or a typo; the rules say which
    out["domain"] = home["dns"]
    flt = all_of("(objectCategory=person)", "(objectClass=user)",
                 eq("userPrincipalName", user) if is_upn else eq("sAMAccountName", user))
    found = directory.search(home["dn"], flt, ["objectSid"])
    if not found:
        return out
    dn = found[0][0]
    token = directory.read(dn, ["tokenGroups", "objectSid"]) or {}
    user_sid = _raw(token, "objectSid")
    groups = sorted({sid_to_str(v) for v in _raw(token, "tokenGroups")})
    out.update(found=True, dn=dn, sid=sid_to_str(user_sid[0]) if user_sid else None, groups=groups)
    member = set(groups)
    root_sid = _sid_of(directory, directory.root.root_domain_nc)
    if root_sid:
        out["schema_admins"] = f"{root_sid}-518" in member
        out["enterprise_admins"] = f"{root_sid}-519" in member
    admin_of = []
    for d in domains:
        try:
            domain_sid = _sid_of(directory, str(d["dn"]))
        except DirectoryQueryError:
            continue  # a domain this DC does not hold: its Domain Admins cannot be matched from here
        if domain_sid and f"{domain_sid}-512" in member:
            admin_of.append(d["dns"])
    out["domain_admin_of"] = sorted(a for a in admin_of if a)
    org_mgmt = _well_known_group_sid(directory, ORGANIZATION_MANAGEMENT)
    server_mgmt = _well_known_group_sid(directory, SERVER_MANAGEMENT)
    out["organization_management"] = (org_mgmt in member) if org_mgmt else None
    out["server_management"] = (server_mgmt in member) if server_mgmt else None
    return out


def read_installer_facts(directory: DirectoryConnection, account: str) -> InstallerFacts:
    """InstallerFacts for the named account: installer.account PRESENT, or UNREADABLE with the reason."""
    try:
        fact = Fact(FACT, FactStatus.PRESENT, read_account(directory, account))
    except (DirectoryQueryError, DirectoryAuthError, ValueError) as exc:
        fact = Fact(FACT, FactStatus.UNREADABLE, error=f"reading the installer account {account}: {exc}")
    return InstallerFacts(account=account, facts={FACT: fact})


def read_installer(settings: AdSettings, account: str) -> InstallerFacts:
    """Bind to the DC of ``settings`` and read the installer account's facts (``--installer-account``).
    Raises a DirectoryError (one line) when the DC cannot be reached or refuses the bind."""
    if not account.strip():
        raise UsageError("--installer-account needs an account name, e.g. CONTOSO\\exsetup or exsetup@contoso.com")
    with open_directory(settings.bind, Deadline(settings.discovery.deadline)) as directory:
        return read_installer_facts(directory, account.strip())

