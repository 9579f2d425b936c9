"""The runner: takes submitted jobs to their clusters, follows them, and records what happens."""

from matjobs.runner.runner import Runner, RunnerBusy

__all__ = ["Runner", "RunnerBusy"]
