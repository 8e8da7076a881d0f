"""Accounts and authentication: users, passwords, tokens, activation, reset, roles."""
