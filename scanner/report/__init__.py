"""Reports rendered from one ScanResult: terminal table, CSV, JSON, HTML, event log."""
