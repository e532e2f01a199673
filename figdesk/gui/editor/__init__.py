"""The metadata editor and its field widgets."""
