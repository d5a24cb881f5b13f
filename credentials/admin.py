"""Admin registrations (none until the app has models)."""
