"""The room service's ports: what it needs from the outside, as Protocols."""
