"""Helpers the test tiers share: emulators, stacks, factories."""
