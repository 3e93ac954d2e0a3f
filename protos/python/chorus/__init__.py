"""Chorus wire schema (generated stubs live in chorus.v1)."""
