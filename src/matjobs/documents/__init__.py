"""The platform's documents: schema validation, defaults and update operators. No HTTP, no SQL."""
