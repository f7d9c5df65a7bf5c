"""Public user profiles."""
