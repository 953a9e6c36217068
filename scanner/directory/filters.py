"""LDAP filter pieces. Every value that comes from a user or from the directory is escaped
(RFC 4515, ldap3.utils.conv.escape_filter_chars) before it goes into a filter."""

from __future__ import annotations

from ldap3.utils.conv import escape_filter_chars

# LDAP_MATCHING_RULE_BIT_AND: true when every bit of the value is set in the attribute.
BIT_AND = "1.2.840.113556.1.4.803"

# objectCategory, not objectClass: objectClass=computer also matches managed service accounts.
COMPUTER_FILTER = "(objectCategory=computer)"


def escape(value: str) -> str:
    return str(escape_filter_chars(value))


def eq(attribute: str, value: str) -> str:
    return f"({attribute}={escape(value)})"


def bit_and(attribute: str, bits: int) -> str:
    return f"({attribute}:{BIT_AND}:={int(bits)})"


def all_of(*parts: str) -> str:
    return parts[0] if len(parts) == 1 else "(&" + "".join(parts) + ")"


def any_of(*parts: str) -> str:
    return parts[0] if len(parts) == 1 else "(|" + "".join(parts) + ")"
