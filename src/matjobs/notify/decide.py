"""Which notice, if any, a job's status change is worth, as its `compute.notify` asks. Pure.

The platform's letters are PBS's: `n` never; `a` the job is aborted, `b` it begins, `e` it
ends. As with PBS's and SLURM's mail, "ends" means any end: a job that ran into an error,
was terminated or ran out of time has ended too, so `e` alone hears of every final status.
`a` hears only of those that did not finish: error, terminated and timeout (the batch
system or the user stopped it, or it failed). A change both letters ask for is one notice,
the abort: nobody wants two messages about one job's one end.
"""

from __future__ import annotations

from enum import StrEnum

from matjobs.lifecycle import FINAL, Status


class Notice(StrEnum):
    BEGIN = "begin"
    END = "end"
    ABORT = "abort"


ABORTED: frozenset[Status] = frozenset({Status.ERROR, Status.TERMINATED, Status.TIMEOUT})
LETTERS = {"a": Notice.ABORT, "b": Notice.BEGIN, "e": Notice.END}


def asked_for(flags: str | None) -> frozenset[Notice]:
    """The notices the letters ask for; `n`, none or anything unknown asks for nothing."""
    if not flags or flags == "n":
        return frozenset()
    return frozenset(LETTERS[letter] for letter in flags if letter in LETTERS)


def notice_for(flags: str | None, previous: str | None, status: str) -> Notice | None:
    """The notice a change from `previous` to `status` gives a job whose notify is `flags`."""
    wanted = asked_for(flags)
    if not wanted or previous == status:
        return None
    try:
        now = Status(status)
    except ValueError:
        return None
    if now is Status.ACTIVE:
        return Notice.BEGIN if Notice.BEGIN in wanted else None
    if now not in FINAL:
        return None
    if now in ABORTED and Notice.ABORT in wanted:
        return Notice.ABORT
    return Notice.END if Notice.END in wanted else None
