"""Accounts: registration, login sessions, password reset, API tokens, roles."""
