"""Chorus chat service."""
