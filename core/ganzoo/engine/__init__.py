"""The engine: everything a variant does not own (devices, precision, DDP, checkpoints, logs)."""
