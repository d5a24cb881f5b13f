"""Portal pages (none yet; the public pages live in config.views)."""
