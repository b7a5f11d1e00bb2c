"""Development-only tools: `scale/` generates a province's worth of consistent data for the bench and the tests
(`manage.py seed_scale`, available under bench.settings and config.settings_test, never in production)."""
