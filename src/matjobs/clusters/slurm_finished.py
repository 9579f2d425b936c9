"""Where a SLURM cluster's finished jobs are looked up, chosen from its configuration.

- slurmdbd (`AccountingStorageType = accounting_storage/slurmdbd`): plain `sacct`, whose
  database answers by job id; no log is touched.
- The completion log (`JobCompType = jobcomp/filetxt`) without slurmdbd: read here as it grows
  (see `completion_log.py`), not through `sacct --completion`, which rereads it whole.
- Anything else: `sacct --completion`, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matjobs.clusters.base import Report
from matjobs.clusters.completion_log import CompletionLog

SLURMDBD, FILETXT, SACCT_COMPLETION = "slurmdbd", "filetxt", "sacct-completion"


def show_config_command() -> list[str]:
    return ["scontrol", "show", "config"]


def reconfigure_command() -> list[str]:
    return ["scontrol", "reconfigure"]


def parse_config(stdout: str) -> dict[str, str]:
    """`scontrol show config`'s `Key = value` lines."""
    found = {}
    for line in stdout.splitlines():
        key, equals, value = line.partition("=")
        if equals and key.strip() and " " not in key.strip():
            found[key.strip()] = value.strip()
    return found


@dataclass(frozen=True)
class Source:
    kind: str
    log: Path | None = None


def finished_source(config: dict[str, str]) -> Source:
    if config.get("AccountingStorageType") == "accounting_storage/slurmdbd":
        return Source(SLURMDBD)
    location = config.get("JobCompLoc", "")
    if config.get("JobCompType") == "jobcomp/filetxt" and location.startswith("/"):
        return Source(FILETXT, Path(location))
    return Source(SACCT_COMPLETION)


# sacct's answers, given whether to read the completion log (`--completion`).
SacctReports = Callable[[list[str], bool], dict[str, Report]]
SacctNamed = Callable[[str, bool], list[str]]


class Finished:
    """Finished jobs' reports by id, and ids by name, from the source the cluster has."""

    def __init__(self, run: Callable[[list[str]], str], sacct_reports: SacctReports, sacct_named: SacctNamed) -> None:
        self._run = run
        self._sacct_reports = sacct_reports
        self._sacct_named = sacct_named
        self._source: Source | None = None
        self._log: CompletionLog | None = None

    @property
    def source(self) -> Source:
        if self._source is None:
            self._source = finished_source(parse_config(self._run(show_config_command())))
            if self._source.log is not None:
                self._log = CompletionLog(self._source.log, reconfigure=self._reconfigure)
        return self._source

    def _reconfigure(self) -> None:
        self._run(reconfigure_command())

    def reports(self, jids: list[str]) -> dict[str, Report]:
        if self.source.kind != FILETXT:
            return self._sacct_reports(jids, self.source.kind == SACCT_COMPLETION)
        assert self._log is not None
        self._log.refresh()
        return {jid: report for jid in jids if (report := self._log.report(jid)) is not None}

    def named(self, name: str) -> list[str]:
        if self.source.kind != FILETXT:
            return self._sacct_named(name, self.source.kind == SACCT_COMPLETION)
        assert self._log is not None
        self._log.refresh()
        return self._log.named(name)

    def forget(self, jid: str) -> None:
        if self._log is not None:
            self._log.forget(jid)
