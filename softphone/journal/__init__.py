"""Sampark journal (later issues)."""
