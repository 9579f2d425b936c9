"""The web app at `/`: an HTML shell and static assets, a client of the public HTTP API only."""
