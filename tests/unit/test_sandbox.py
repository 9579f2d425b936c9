"""The bubblewrap argv a job's command is wrapped in: what the job sees, and what it does not."""

from __future__ import annotations

from pathlib import Path

from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR
from matjobs.sandbox import SandboxPolicy, UnixUser, bwrap_argv, job_environment
from matjobs.sandbox.users import unix_user_name

WORKDIR = Path("/srv/matjobs/jobs/J1")


def pairs(argv: list[str], option: str) -> list[tuple[str, str]]:
    """The (source, destination) of each use of a two-argument option."""
    return [(argv[i + 1], argv[i + 2]) for i, part in enumerate(argv) if part == option]


def test_the_job_sees_its_folder_read_write_at_its_own_path_and_runs_there() -> None:
    argv = bwrap_argv(SandboxPolicy(), WORKDIR, ["bash", "job.sh"], {})
    assert argv[0] == "bwrap" and argv[-3:] == ["--", "bash", "job.sh"]
    assert pairs(argv, "--bind") == [(str(WORKDIR), str(WORKDIR))]
    assert argv[argv.index("--chdir") + 1] == str(WORKDIR)


def test_the_system_is_read_only_and_etc_is_bound_entry_by_entry() -> None:
    argv = bwrap_argv(SandboxPolicy(), WORKDIR, ["true"], {})
    read_only = dict(pairs(argv, "--ro-bind") + pairs(argv, "--ro-bind-try"))
    assert read_only["/usr"] == "/usr" and read_only[str(DEBIAN_PSEUDO_DIR)] == str(DEBIAN_PSEUDO_DIR)
    assert {"/bin", "/lib", "/etc/passwd", "/etc/alternatives", "/etc/openmpi"} <= set(read_only)
    assert "/etc" not in read_only and "/etc/shadow" not in read_only
    assert all(source == destination for source, destination in read_only.items())


def test_tmp_is_private_and_extra_binds_come_after_it_so_they_are_not_hidden() -> None:
    argv = bwrap_argv(SandboxPolicy(binds=("/tmp/tools", "/opt/intel")), WORKDIR, ["true"], {})
    tmpfs = argv.index("--tmpfs")
    assert argv[tmpfs + 1] == "/tmp"
    for path in ("/tmp/tools", "/opt/intel"):
        assert argv.index(path) > tmpfs and argv[argv.index(path) - 1] == "--ro-bind-try"


def test_no_capabilities_no_network_and_the_callers_process_group() -> None:
    argv = bwrap_argv(SandboxPolicy(), WORKDIR, ["true"], {})
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    assert {"--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent"} <= set(argv)
    assert "--new-session" not in argv
    networked = bwrap_argv(SandboxPolicy(network=True), WORKDIR, ["true"], {})
    assert "--unshare-net" not in networked and "--unshare-pid" in networked


def test_the_job_gets_exactly_the_environment_given() -> None:
    argv = bwrap_argv(SandboxPolicy(tool="/opt/bin/bwrap"), WORKDIR, ["true"], {"A": "1", "PATH": "/usr/bin"})
    assert argv[0] == "/opt/bin/bwrap" and "--clearenv" in argv
    assert [argv[i + 1 : i + 3] for i, part in enumerate(argv) if part == "--setenv"] == [
        ["A", "1"],
        ["PATH", "/usr/bin"],
    ]


def test_the_environment_keeps_no_secret_or_scheduler_variable_of_the_host() -> None:
    host = {
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "MATJOBS_DATABASE_URL": "postgresql://matjobs:secret@db/matjobs",
        "SLURM_JOB_ID": "7",
        "SLURM_NODELIST": "n[1-2]",
    }
    env = job_environment(WORKDIR, host, OMP_NUM_THREADS="1")
    assert env == {
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "HOME": str(WORKDIR),
        "TMPDIR": "/tmp",
        "OMP_NUM_THREADS": "1",
    }
    assert job_environment(WORKDIR, {})["PATH"].startswith("/usr/local/bin:/usr/bin")


def test_where_the_layout_is_known_links_are_links_and_only_what_exists_is_bound() -> None:
    argv = bwrap_argv(SandboxPolicy(), WORKDIR, ["true"], {}, {"/bin": "usr/bin", "/lib": None})
    assert pairs(argv, "--symlink") == [("usr/bin", "/bin")]
    assert ("/lib", "/lib") in pairs(argv, "--ro-bind") and "/sbin" not in argv
    unknown = bwrap_argv(SandboxPolicy(), WORKDIR, ["true"], {})  # a SLURM node's: any layout
    assert {"/bin", "/sbin", "/lib", "/lib64"} <= {source for source, _ in pairs(unknown, "--ro-bind-try")}
    assert "--symlink" not in unknown


def test_an_accounts_user_is_taken_on_inside_with_every_capability_given_up_before_the_job() -> None:
    argv = bwrap_argv(
        SandboxPolicy(account_users=True), WORKDIR, ["bash", "job.sh"], {}, user=UnixUser("mj-x", 990, 991)
    )
    run = argv[argv.index("--") + 1 :]
    assert run[: run.index("--")] == [
        "/usr/bin/setpriv",
        "--reuid=990",
        "--regid=991",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
    ]
    assert run[-2:] == ["bash", "job.sh"]
    added = [argv[i + 1] for i, part in enumerate(argv) if part == "--cap-add"]
    assert argv.index("--cap-drop") < argv.index("--cap-add") and added == ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"]
    assert "--cap-add" not in bwrap_argv(SandboxPolicy(), WORKDIR, ["true"], {})  # root's jobs: none at all


def test_the_folders_above_what_the_job_sees_are_open_to_its_user_and_made_before_their_binds() -> None:
    argv = bwrap_argv(SandboxPolicy(), Path("/tmp/data/jobs/J1"), ["true"], {})
    made = [argv[i + 1] for i, part in enumerate(argv) if part == "--dir"]
    assert made == ["/etc", "/sys", "/sys/devices", "/sys/devices/system", "/tmp/data", "/tmp/data/jobs"]
    assert all(argv[argv.index(folder) - 2 : argv.index(folder) - 1] == ["0755"] for folder in made)
    assert argv.index("/etc") < argv.index("/etc/passwd") and argv.index("/tmp/data") > argv.index("--tmpfs")
    assert argv[argv.index("--tmpfs") - 1] == "1777"  # any user's private /tmp


def test_a_job_that_runs_the_driver_also_reads_its_code_and_the_folders_above_it() -> None:
    reads = ("/opt/python/3.11", "/srv/matjobs/src")
    argv = bwrap_argv(SandboxPolicy(), Path("/tmp/data/jobs/J1"), ["true"], {}, reads=reads)
    made = [argv[i + 1] for i, part in enumerate(argv) if part == "--dir"]
    assert {"/opt", "/opt/python", "/srv", "/srv/matjobs"} <= set(made)
    for folder in reads:
        at = argv.index(folder)
        assert argv[at - 1 : at + 2] == ["--ro-bind-try", folder, folder]
    assert "/srv/matjobs/src" not in bwrap_argv(SandboxPolicy(), Path("/tmp/data/jobs/J1"), ["true"], {})


def test_accounts_get_distinct_lower_case_user_names_linux_accepts() -> None:
    names = {unix_user_name(account) for account in ("aBcDeFgHiJkLmNoPq", "abcdefghijklmnopq", "ABCDEFGHIJKLMNOPQ")}
    assert len(names) == 3
    assert all(name.startswith("mj-") and len(name) <= 32 and name == name.lower() for name in names)
    assert unix_user_name("aBcDeFgHiJkLmNoPq") == unix_user_name("aBcDeFgHiJkLmNoPq")
