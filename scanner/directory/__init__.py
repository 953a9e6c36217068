"""Active Directory over LDAP (ldap3): binding, computer discovery with AD sites, and the
organisation facts the AD-judged readiness rules read.

ldap3 is synchronous and raises its own exceptions; they are mapped onto scanner.errors.Directory*
in one place (scanner.directory.connection.directory_errors).
"""
