"""Reelstack's application code: one package per bounded context, plus `core`."""
