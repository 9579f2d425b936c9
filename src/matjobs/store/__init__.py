"""Persistence: tables, engine, transactions and verb_noun functions. The only place SQL is built."""

from matjobs.store.engine import Store

__all__ = ["Store"]
