"""Sampark sync (later issues)."""
