"""The Mongo-style query language: parse (JSON to AST), compile (AST to SQL), paging."""
