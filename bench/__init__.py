"""Benchmarks and the city-scale data set they run on (not part of the application package)."""
