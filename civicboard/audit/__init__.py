"""The append-only audit log of staff, moderator and admin actions."""
