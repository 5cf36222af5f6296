"""Intake intelligence: a report's text → its likely category (and unit), per city (docs/triage.md)."""
