"""CLI command groups. Each module exposes ``register(app, bench)`` and imports heavy deps lazily."""
