"""Where jobs run: the configured clusters and their queues; local and SLURM adapters."""
