"""Hostile input: property-based tests and the request fuzz (see RELIABILITY.md, "Hostile input")."""
