"""Sampark caller UI: widgets only; talks to softphone/ through commands and signals."""
