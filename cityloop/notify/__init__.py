"""The notification outbox, its delivery channels, and the background worker."""
