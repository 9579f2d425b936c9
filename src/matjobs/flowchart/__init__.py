"""The platform's flowcharts, run purely: units, scopes, loops and assertions (no processes, no I/O)."""
