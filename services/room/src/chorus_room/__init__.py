"""Chorus room service."""
