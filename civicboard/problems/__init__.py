"""Problems residents propose, with votes, comments, follows and notifications."""

# The full-text index is created with the problems table (tests' create_all) via metadata
# events registered on import.
from civicboard.problems import fts  # noqa: F401
