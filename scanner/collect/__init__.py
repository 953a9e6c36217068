"""Collecting facts from a fleet: the asyncio orchestrator over a sized thread pool."""
