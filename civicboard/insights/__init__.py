"""The public outcomes dashboard: how fast the city answers and what got fixed."""
