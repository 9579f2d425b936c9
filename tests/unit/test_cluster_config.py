"""Clusters from the config file's tables, or the local default; bad tables say what is wrong."""

from __future__ import annotations

import pytest

from matjobs.clusters.registry import ClusterConfigError, Clusters, seconds
from matjobs.sandbox import SandboxPolicy


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
        ([{"fqdn": "a", "sandbox": "yes"}], "clusters[0].sandbox: true or false"),
        ([{"fqdn": "a", "network": 1}], "clusters[0].network: true or false"),
        ([{"fqdn": "a", "sandbox_binds": "/opt/intel"}], "clusters[0].sandbox_binds: a list of absolute paths"),
        ([{"fqdn": "a", "sandbox_binds": ["opt/intel"]}], "clusters[0].sandbox_binds"),
        ([{"fqdn": "a", "sandbox_binds": ["/"]}], "clusters[0].sandbox_binds"),
        ([{"fqdn": "a", "sandbox_binds": ["/opt/../etc"]}], "clusters[0].sandbox_binds"),
        ([{"fqdn": "a", "sandbox_tool": "bin/bwrap"}], "clusters[0].sandbox_tool"),
        ([{"fqdn": "a", "sandbox": False, "network": True}], "clusters[0]: network has no effect with sandbox = false"),
        ([{"fqdn": "a", "account_users": "yes"}], "clusters[0].account_users: true or false"),
        (
            [{"fqdn": "a", "sandbox": False, "account_users": True}],
            "clusters[0]: account_users has no effect with sandbox = false",
        ),
    ],
)
def test_bad_tables(tables: list, named: str) -> None:
    with pytest.raises(ClusterConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        Clusters.from_config(tables)


def test_every_cluster_is_sandboxed_without_network_unless_its_table_says_otherwise() -> None:
    clusters = Clusters.from_config(
        [
            {"fqdn": "boxed"},
            {"fqdn": "open", "sandbox": False},
            {
                "fqdn": "net",
                "type": "slurm",
                "network": True,
                "sandbox_binds": ["/opt/intel"],
                "sandbox_tool": "/x/bwrap",
            },
        ]
    )
    assert clusters.find("boxed").sandbox == SandboxPolicy(tool="bwrap", network=False, binds=())
    assert clusters.find("open").sandbox is None
    assert clusters.find("net").sandbox == SandboxPolicy(tool="/x/bwrap", network=True, binds=("/opt/intel",))
    assert Clusters.from_config([], hostname="h").default.sandbox == SandboxPolicy()
    assert Clusters.from_config([{"fqdn": "u", "account_users": True}]).default.sandbox == SandboxPolicy(
        account_users=True
    )
