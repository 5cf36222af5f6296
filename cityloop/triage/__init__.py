"""Intake intelligence: a report's text → the likely category (and unit), trained per city (docs/triage.md)."""
