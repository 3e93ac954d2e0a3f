"""Plumbing shared by Chorus's services (no domain logic lives here)."""
