"""Media library: assets, upload validation, renditions and storage back ends (no strawberry,
starlette or gateway imports)."""
