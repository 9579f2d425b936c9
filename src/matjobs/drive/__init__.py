"""The flowchart driver: the process a job's one submission runs, inside its sandbox, which
walks the job's workflow unit by unit (`matjobs.flowchart`), runs each execution unit's program,
and leaves its state and results in the job's folder for the runner to read."""
