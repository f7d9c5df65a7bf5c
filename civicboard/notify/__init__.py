"""Telling people by email: notification emails, digests, settings and unsubscribe links."""
