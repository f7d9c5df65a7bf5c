"""Moderation: flags, hiding and restoring, locks, suspensions."""
