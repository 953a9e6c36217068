"""Unattended sweeps: the TOML configuration, credentials from files, and exit-code policy."""
