"""Sampark campaign (later issues)."""
