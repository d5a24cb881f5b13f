"""Identity writes (organisations, DIDs, keys) arrive with their models."""
