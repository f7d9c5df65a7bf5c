"""The outbox: email written in the same transaction as what it reports, delivered by the worker."""
