"""Hackathon challenges curated from residents' problems, and the projects teams build."""
