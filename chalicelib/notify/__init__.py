"""Notifications: e-mail through SES, with templates and idempotent sending."""
