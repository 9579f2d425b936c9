"""The platform's flowcharts: their interpreter and the context their units' templates are rendered with."""
