"""Plain helpers shared by test modules (no fixtures: those live in the conftest.py of each suite)."""
