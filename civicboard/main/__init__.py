"""Site-wide pages: the front page and the health check."""
