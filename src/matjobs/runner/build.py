"""The one place that names the concrete clusters a runner drives, from their configuration."""

from __future__ import annotations

from pathlib import Path

from matjobs.clusters.base import Cluster
from matjobs.clusters.local import LocalCluster
from matjobs.clusters.registry import Clusters
from matjobs.clusters.slurm import SlurmCluster


def build_clusters(configs: Clusters, home: Path) -> dict[str, Cluster]:
    """Each configured cluster, by fqdn; local clusters keep their spool in the runner's home."""
    return {
        config.fqdn: LocalCluster(config, home / "local" / config.fqdn)
        if config.kind == "local"
        else SlurmCluster(config)
        for config in configs
    }
