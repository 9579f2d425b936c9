"""The runner: takes submitted jobs to their clusters, follows them, and records what happens."""

from matjobs.runner.runner import Runner

__all__ = ["Runner"]
