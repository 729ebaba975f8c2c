"""Shared building blocks: written once here, composed by every variant that needs them."""
