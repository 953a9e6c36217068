"""Sweep history: every run in a SQLite database, with each host's raw facts so any past sweep can be
evaluated again with today's rules, and diffs between runs."""
