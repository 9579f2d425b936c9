"""What a notice says: the job's name, its status, its key results, its wall time and a link to
its page; as an email's subject and text, and as a webhook's JSON. Pure composition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matjobs.lifecycle import FINAL, Status
from matjobs.notify.decide import Notice

ERROR_CHARS = 500  # of the last error's message: enough to say why, short enough for a phone


@dataclass(frozen=True)
class Result:
    """A scalar result worth a line: `key` names it in the webhook's JSON."""

    key: str
    label: str
    value: float
    units: str


@dataclass(frozen=True)
class Message:
    notice: Notice
    job_id: str
    name: str
    status: str
    previous: str | None
    at: float
    link: str
    wall_time_s: float | None = None
    results: tuple[Result, ...] = ()
    error: str | None = None


def page_link(base_url: str, job_id: str) -> str:
    return f"{base_url.rstrip('/')}/#/jobs/{job_id}"


def wall_time(track: Sequence[Mapping[str, Any]]) -> float | None:
    """From the job's first `active` to its final status, by its statusTrack; None until it
    ended, or if it never ran."""
    started = next((entry["trackedAt"] for entry in track if entry.get("status") == Status.ACTIVE.value), None)
    ended = next((entry["trackedAt"] for entry in reversed(track) if entry.get("status") in FINAL), None)
    if not isinstance(started, int | float) or not isinstance(ended, int | float):
        return None
    return max(0.0, float(ended) - float(started))


def key_results(properties: Sequence[Mapping[str, Any]]) -> tuple[Result, ...]:
    """The total energy and the band gaps among a job's results (their `data`, in the order they
    were stored). The energy is the last one, as a later unit refines an earlier one's. A gap is
    a minimum over the k-points a unit sampled, so of two units' (Band Structure + DOS: the
    path's and the grid's) the smaller is the one nearer the truth."""
    energy: Result | None = None
    gaps: dict[str, Result] = {}
    for data in properties:
        name = data.get("name")
        if name == "total_energy" and _number(data.get("value")):
            energy = Result("total_energy", "total energy", float(data["value"]), str(data.get("units", "eV")))
        elif name == "band_gaps" and isinstance(data.get("values"), list):
            for gap in data["values"]:
                kind = gap.get("type") if isinstance(gap, dict) else None
                if kind not in ("direct", "indirect") or not _number(gap.get("value")):
                    continue
                found = Result(f"band_gap_{kind}", f"band gap ({kind})", float(gap["value"]), str(gap.get("units")))
                if kind not in gaps or found.value < gaps[kind].value:
                    gaps[kind] = found
    ordered = [energy, gaps.get("indirect"), gaps.get("direct")]
    return tuple(result for result in ordered if result is not None)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compose(
    notice: Notice,
    change: Mapping[str, Any],
    job: Mapping[str, Any],
    properties: Sequence[Mapping[str, Any]],
    base_url: str,
) -> Message:
    """The notice of one status change (`change`: the `job.status` event's data), told with what
    the job document and its results say at the time it is written."""
    status = str(change["status"])
    ended = status in FINAL
    errors = job.get("compute", {}).get("errors") or []
    last_error = errors[-1].get("message") if ended and status != Status.FINISHED and errors else None
    return Message(
        notice=notice,
        job_id=str(change["jobId"]),
        name=str(change.get("name") or job.get("name") or ""),
        status=status,
        previous=change.get("previous"),
        at=float(change.get("at") or 0.0),
        link=page_link(base_url, str(change["jobId"])),
        wall_time_s=wall_time(job.get("statusTrack") or []) if ended else None,
        results=key_results(properties) if ended else (),
        error=str(last_error)[:ERROR_CHARS] if last_error else None,
    )


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min {secs:02d} s" if hours else f"{minutes} min {secs:02d} s"


def _plain(text: str) -> str:
    """One line: a job's name goes into a mail header, where a line break would start another."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


VERBS = {Notice.BEGIN: "began", Notice.END: "ended", Notice.ABORT: "was aborted"}


def subject(message: Message) -> str:
    return f"matjobs: job {_plain(message.name)!r} {VERBS[message.notice]} ({message.status})"


def text(message: Message) -> str:
    lines = [f"Job {_plain(message.name)!r} {VERBS[message.notice]}.", "", f"Status: {message.status}"]
    if message.previous:
        lines[-1] += f" (was {message.previous})"
    if message.wall_time_s is not None:
        lines.append(f"Wall time: {duration(message.wall_time_s)}")
    for result in message.results:
        lines.append(f"{result.label[0].upper()}{result.label[1:]}: {result.value:.6g} {result.units}")
    if message.error:
        lines.append(f"Error: {message.error}")
    lines += ["", f"Job page: {message.link}", f"Job id: {message.job_id}", ""]
    return "\n".join(lines)


def payload(message: Message, *, delivery: str) -> dict[str, Any]:
    """A webhook's JSON body. `delivery` is the same for every attempt at one message: a
    receiver that acknowledged too late to be heard can tell a retry from a new notice."""
    return {
        "event": f"job.{message.notice.value}",
        "delivery": delivery,
        "job": {
            "_id": message.job_id,
            "name": message.name,
            "status": message.status,
            "previous": message.previous,
            "at": message.at,
            "link": message.link,
            "wallTime": message.wall_time_s,
            "results": {r.key: {"value": r.value, "units": r.units} for r in message.results},
            "error": message.error,
        },
    }
