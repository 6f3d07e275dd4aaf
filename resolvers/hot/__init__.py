"""The lean read path for the hottest statements (home list, article page, relations):
Core-built statements compiled once and run on the driver connection. Imports resolvers.db,
resolvers.models and resolvers.access only."""
