"""Clusters from the config file's tables, or the local default; bad tables say what is wrong."""

from __future__ import annotations

import pytest

from matjobs.clusters.registry import ClusterConfigError, Clusters, seconds


def test_without_configuration_there_is_one_local_cluster_named_after_the_host() -> None:
    clusters = Clusters.from_config([], hostname="bench-01")
    assert clusters.names() == ["bench-01"] and clusters.default.kind == "local"
    assert {"D", "OR", "OF", "SR", "SF"} <= set(clusters.default.queues)
    assert all(q.max_jobs >= 1 and q.max_cores >= 1 for q in clusters.default.queues.values())


def test_a_slurm_cluster_with_partitions() -> None:
    clusters = Clusters.from_config(
        [
            {"fqdn": "local"},
            {
                "fqdn": "hpc",
                "type": "slurm",
                "default": True,
                "cores": 64,
                "submit_attempts": 3,
                "retry_delay": 0.5,
                "queues": {"D": {"partition": "debug", "time_limit": "00:30:00", "max_jobs": 2, "max_cores": 8}},
            },
        ]
    )
    assert clusters.default.fqdn == "hpc"
    assert clusters.default.queues["D"].partition == "debug" and seconds("00:30:00") == 1800
    assert (clusters.default.submit_attempts, clusters.default.retry_delay_s) == (3, 0.5)
    assert (clusters.find("local").submit_attempts, clusters.find("local").retry_delay_s) == (5, 2.0)


@pytest.mark.parametrize(
    ("tables", "named"),
    [
        ([{"type": "local"}], "clusters[0].fqdn"),
        ([{"fqdn": "a", "type": "pbs"}], "clusters[0].type"),
        ([{"fqdn": "a", "queues": {"D": {"time_limit": "soon"}}}], "clusters[0].queues.D.time_limit"),
        ([{"fqdn": "a", "queues": {"D": {"max_jobs": 0}}}], "clusters[0].queues.D.max_jobs"),
        ([{"fqdn": "a"}, {"fqdn": "a"}], "share an fqdn"),
        ([{"fqdn": "a", "submit_attempts": 0}], "clusters[0].submit_attempts"),
        ([{"fqdn": "a", "retry_delay": "soon"}], "clusters[0].retry_delay"),
        ([{"fqdn": "a", "slurm_conf": "/etc/slurm/slurm.conf"}], "clusters[0].slurm_conf"),
        ([{"fqdn": "a", "default": True}, {"fqdn": "b", "default": True}], "only one"),
    ],
)
def test_bad_tables(tables: list, named: str) -> None:
    with pytest.raises(ClusterConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        Clusters.from_config(tables)
