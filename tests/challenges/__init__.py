"""Tests for challenges, curation, briefs and projects."""
