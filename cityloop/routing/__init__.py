"""Routing: responsibility rules and the dispatch decision they produce, with its explanation."""
