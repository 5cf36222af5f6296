"""The web console: server-rendered pages for each role."""
