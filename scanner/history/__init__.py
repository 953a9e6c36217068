"""Sweep history: every run in a SQLite database or a shared PostgreSQL one, with each host's raw facts
so any past sweep can be evaluated again with today's rules, diffs between runs, and the estate (every
zone's latest complete run as one matrix)."""
