"""Sampark central server (issue 3)."""
