"""Sampark monitor (later issues)."""
