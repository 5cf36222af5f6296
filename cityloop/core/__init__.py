"""Organisation: units, users and their roles, jurisdictions, the audit log, API tokens."""
