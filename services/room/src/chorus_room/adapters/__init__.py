"""Adapters: the room service's ports, implemented against real things."""
