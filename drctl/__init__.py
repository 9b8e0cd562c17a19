"""drctl: the aivo-dr command-line tool (offline plan, diff and policy check; DR operations)."""

__version__ = "0.1.0"
