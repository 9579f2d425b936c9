"""The change feed that the event stream, the web app, the CLI and notifications read: what
moved in a job, as events (pure: no HTTP, no database)."""
