"""A small OpenID Connect provider (django-oauth-toolkit) that the single sign-on tests start
in its own process, on a free port, with its own SQLite database: a real provider for the real
redirect flow, not a mock."""
