"""The city's open-data catalog: datasets, their distributions, and how they are imported."""
