"""Data access: table models, query functions, dataloaders and domain rules (no GraphQL here)."""
