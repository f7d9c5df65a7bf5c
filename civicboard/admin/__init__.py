"""Administration: roles, departments."""
