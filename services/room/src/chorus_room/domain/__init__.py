"""Pure room logic: no I/O, easy to test."""
