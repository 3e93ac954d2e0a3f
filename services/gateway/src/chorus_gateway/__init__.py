"""Chorus gateway service."""
