"""Training algorithms shared by several variants (a plugin subclasses and sets defaults)."""
