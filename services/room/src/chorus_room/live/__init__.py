"""Shared live state on Redis: chain budget, presence, active replies, and
interrupts relayed over the bus (issue 9, item 3)."""
