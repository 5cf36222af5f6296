"""The console's organisation administration (``/org/``): units, users and their roles, the staff
roster, and the audit log, for the administrators of a district or of the city."""
