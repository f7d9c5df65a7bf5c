"""Site-wide routes that belong to no feature."""
