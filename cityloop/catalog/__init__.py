"""Component and event classes and subclasses, registration conditions and time limits."""
