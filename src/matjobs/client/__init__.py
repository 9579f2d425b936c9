"""The jobs CLI: an HTTP client of any matjobs server, over its public API only."""
