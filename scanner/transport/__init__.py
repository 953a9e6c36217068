"""The WinRM transport: pypsrp, one runspace pool per host, with deadlines that hold."""
