"""The platform's flowcharts, run purely: the interpreter (units, scopes, loops, assertions) and the context
their units' templates are rendered with; no processes, no I/O."""
