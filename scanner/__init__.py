"""exready: a read-only remote fleet scanner for Microsoft Exchange setup readiness.

Data flows one way: inventory -> transport -> facts -> checks -> verdicts -> matrix -> reports/history.
"""

__version__ = "0.1.0"
