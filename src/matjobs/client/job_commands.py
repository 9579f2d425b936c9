"""`matjobs jobs ...`: list, show, create, submit, watch, logs, files, download, terminate, delete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from matjobs.client.commands import import_structure
from matjobs.client.common import ServerOption, TokenOption, UserIdOption, connect, console, fail, reported
from matjobs.client.logs import show_logs
from matjobs.client.remote import ClientError, Server
from matjobs.client.views import EXIT_HELP, job_row, key_results, pick_workflow, selector, size, units, when
from matjobs.client.watch import watch

jobs = typer.Typer(help="Your jobs on a matjobs server.", no_args_is_help=True)
notes = Console(stderr=True, soft_wrap=True)

JobIds = Annotated[list[str], typer.Argument(help="one or more job ids")]


@jobs.command("list")
@reported
def jobs_list(
    status: Annotated[list[str] | None, typer.Option(help="only this status (repeat for several)")] = None,
    project: Annotated[str | None, typer.Option(help="only this project's jobs (its id or name)")] = None,
    query: Annotated[str | None, typer.Option(help="a Mongo selector as JSON, e.g. '{\"compute.ppn\": 4}'")] = None,
    name: Annotated[str | None, typer.Option(help="only names containing this text (any case)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="jobs per page")] = 20,
    page: Annotated[int, typer.Option(min=1, help="which page, newest first")] = 1,
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    """List your jobs, newest first: id, name, status, cluster, created (UTC)."""
    with connect(server, token, user_id) as api:
        project_id = _project_id(api, project) if project else None
        try:
            chosen = selector(status=status or [], project_id=project_id, query=query, name=name)
        except ValueError as error:
            fail(str(error))
        found = api.jobs(chosen, limit=limit, skip=(page - 1) * limit)
    table = Table("id", "name", "status", "cluster", "created")
    for job in found:
        table.add_row(*job_row(job))
    console.print(table)
    if not found:
        notes.print("no jobs" + (" on this page" if page > 1 else ""))


def _project_id(api: Server, given: str) -> str:
    found = api.documents("projects", {"$or": [{"_id": given}, {"name": given}]})
    if not found:
        fail(f"no project {given!r}")
    return str(found[0]["_id"])


@jobs.command("show")
@reported
def jobs_show(
    job_id: Annotated[str, typer.Argument(help="the job's id")],
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    """A job: its status and compute, its units with their statuses, and its key results."""
    with connect(server, token, user_id) as api:
        job = api.job(job_id)
        results = key_results(api.properties(job_id))
    _id, name, status, cluster, created = job_row(job)
    compute = job.get("compute") or {}
    console.print(f"[bold]{name}[/bold]  {_id}", highlight=False)
    console.print(f"status     {status}", highlight=False)
    cores = f"{compute.get('nodes', '-')} node(s) x {compute.get('ppn', '-')} core(s)"
    console.print(
        f"compute    cluster {cluster or '-'}, queue {compute.get('queue', '-')}, {cores}, "
        f"limit {compute.get('timeLimit', '-')}",
        highlight=False,
    )
    console.print(f"created    {created}", highlight=False)
    track = [entry for entry in job.get("statusTrack") or [] if isinstance(entry, dict)]
    if track:
        console.print("track      " + " > ".join(str(entry.get("status", "")) for entry in track), highlight=False)
    material = job.get("_material") or {}
    if isinstance(material, dict) and material.get("_id"):
        console.print(f"material   {material['_id']}", highlight=False)
    table = Table("unit", "status", title="units")
    for unit in units(job):
        table.add_row(unit["name"], unit["status"])
    console.print(table)
    if results:
        shown = Table("result", "value", title="results")
        for row in results:
            shown.add_row(*row)
        console.print(shown)


@jobs.command("create")
@reported
def jobs_create(
    workflow: Annotated[str, typer.Option(help="a workflow's id or name, yours or the bank's (e.g. 'Band Structure')")],
    material: Annotated[Path | None, typer.Option(help="a CIF or POSCAR file, imported as a new material")] = None,
    material_id: Annotated[str | None, typer.Option(help="one of your materials, by id")] = None,
    name: Annotated[str | None, typer.Option(help="the job's name; default: workflow and material")] = None,
    cluster: Annotated[str | None, typer.Option(help="the cluster's fqdn; default: the server's default")] = None,
    queue: Annotated[str | None, typer.Option(help="the cluster's queue; default D")] = None,
    ppn: Annotated[int | None, typer.Option(min=1, help="cores per node; default 1")] = None,
    application: Annotated[
        str, typer.Option(help="of the bank's workflows sharing the name, the one of this application")
    ] = "espresso",
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    """Create a job (pre-submission) of a material and a workflow; prints its id.

    A bank workflow is first copied into your workflows, where the next job finds it by name."""
    if (material is None) == (material_id is None):
        fail("give --material FILE or --material-id ID (one of them)", 2)
    with connect(server, token, user_id) as api:
        chosen = _workflow(api, workflow, application)
        if material is not None:
            made = import_structure(api, material, None, None)
            notes.print(f"imported {material} as material {made['_id']} ({made.get('formula', '')})", highlight=False)
        else:
            found = api.documents("materials", {"_id": material_id})
            if not found:
                fail(f"material {material_id} not found")
            made = found[0]
        compute: dict[str, Any] = {}
        if cluster:
            compute["cluster"] = {"fqdn": cluster}
        if queue:
            compute["queue"] = queue
        if ppn:
            compute["ppn"] = ppn
        body: dict[str, Any] = {
            "name": name or f"{chosen.get('name', 'job')} on {made.get('name') or made.get('formula', '')}".strip(),
            "_material": {"_id": made["_id"]},
            "workflow": {"_id": chosen["_id"]},
        }
        if compute:
            body["compute"] = compute
        created = api.create_job(body)
    notes.print(f"created job {created['_id']} {created.get('name', '')!r} ({created.get('status', '')})")
    typer.echo(created["_id"])


def _workflow(api: Server, given: str, application: str) -> dict[str, Any]:
    """The caller's workflow of that id or name; else the bank's of that name, copied in."""
    own = api.documents("workflows", {"_id": given}) or api.documents("workflows", _named(given))
    if own:
        return own[0]
    bank = api.documents("bank-workflows", {"$or": [{"_id": given}, _named(given)]})
    try:
        picked = pick_workflow(bank, application)
    except ValueError as error:
        fail(str(error))
    if picked is None:
        fail(f"no workflow {given!r} among yours or the bank's (see `matjobs workflows list --bank`)")
    copied = api.copy_bank_workflow(str(picked["_id"]))
    notes.print(f"copied the bank's workflow {picked.get('name')!r} into your workflows as {copied['_id']}")
    return copied


def _named(given: str) -> dict[str, Any]:
    return {"name": {"$regex": f"^{re.escape(given)}$", "$options": "i"}}


def _each(job_ids: list[str], act: Any) -> None:
    """Act on every job; those that fail are told, and make the exit code 1."""
    failed = False
    for job_id in job_ids:
        try:
            act(job_id)
        except ClientError as error:
            typer.echo(f"error: {error.message}", err=True)
            failed = True
    if failed:
        raise typer.Exit(1)


@jobs.command("submit")
@reported
def jobs_submit(
    job_ids: JobIds, server: ServerOption = None, token: TokenOption = None, user_id: UserIdOption = None
) -> None:
    """Submit jobs: pre-submission becomes submitted, and the server's runner takes them."""
    with connect(server, token, user_id) as api:
        _each(job_ids, lambda job_id: typer.echo(f"{job_id} {api.submit(job_id).get('status', '')}"))


@jobs.command("terminate")
@reported
def jobs_terminate(
    job_ids: JobIds, server: ServerOption = None, token: TokenOption = None, user_id: UserIdOption = None
) -> None:
    """Terminate submitted, queued or active jobs (terminate-queued, then terminated)."""
    with connect(server, token, user_id) as api:
        _each(job_ids, lambda job_id: typer.echo(f"{job_id} {api.terminate(job_id).get('status', '')}"))


@jobs.command("delete")
@reported
def jobs_delete(
    job_ids: JobIds, server: ServerOption = None, token: TokenOption = None, user_id: UserIdOption = None
) -> None:
    """Delete jobs."""

    def delete(job_id: str) -> None:
        api.delete(job_id)
        typer.echo(f"{job_id} deleted")

    with connect(server, token, user_id) as api:
        _each(job_ids, delete)


@jobs.command("watch", help=f"Follow jobs live until each has ended: status, units, SCF convergence. {EXIT_HELP}")
@reported
def jobs_watch(
    job_ids: JobIds,
    plain: Annotated[bool, typer.Option(help="a line per change (the default when not on a terminal)")] = False,
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    with connect(server, token, user_id) as api:
        code = watch(api, list(dict.fromkeys(job_ids)), plain=plain or not console.is_terminal, console=console)
    raise typer.Exit(code)


@jobs.command("logs")
@reported
def jobs_logs(
    job_id: Annotated[str, typer.Argument(help="the job's id")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="print new output until the job ends")] = False,
    file: Annotated[list[str] | None, typer.Option(help="only this file (repeat for several)")] = None,
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    """The job's output: each unit's output file (pw_scf.out, ...), then job.out and job.err."""
    with connect(server, token, user_id) as api:
        show_logs(api, job_id, file or None, follow=follow)


@jobs.command("files")
@reported
def jobs_files(
    job_id: Annotated[str, typer.Argument(help="the job's id")],
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    """The files in the job's folder: name, size, last modified (UTC)."""
    with connect(server, token, user_id) as api:
        found = api.files(job_id)
    table = Table("file", "size", "modified")
    for entry in found:
        table.add_row(str(entry.get("key", "")), size(entry.get("size")), when(entry.get("lastModified")))
    console.print(table)


@jobs.command("download")
@reported
def jobs_download(
    job_id: Annotated[str, typer.Argument(help="the job's id")],
    name: Annotated[str | None, typer.Argument(help="one file (as `jobs files` names it); default: all")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="the folder to save in; default: . for one file, ./ID for all")
    ] = None,
    server: ServerOption = None,
    token: TokenOption = None,
    user_id: UserIdOption = None,
) -> None:
    """Download one of the job's files, or all of them (keeping their folders)."""
    with connect(server, token, user_id) as api:
        found = api.files(job_id)
        if name is not None:
            found = [entry for entry in found if name in (entry.get("key"), entry.get("name"))][:1]
            if not found:
                fail(f"job {job_id} has no file {name!r} (see `matjobs jobs files {job_id}`)")
        folder = output or (Path() if name is not None else Path(job_id))
        for entry in found:
            key = str(entry["key"])
            target = folder / (Path(key).name if name is not None else key)
            if not target.resolve().is_relative_to(folder.resolve()):
                fail(f"the server named a file outside the folder: {key!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            written = api.download(str(entry["signedUrl"]), target)
            typer.echo(f"{target} ({size(written)})")
