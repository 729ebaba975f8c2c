"""Built-in datasets, each a plugin of the dataset kind (declared in pyproject.toml)."""
