"""How a job's command is wrapped so that it sees only its own folder and the system: bubblewrap."""

from matjobs.sandbox.bubblewrap import (
    PACKAGE,
    SandboxPolicy,
    bwrap_argv,
    job_environment,
    missing_tool_reason,
    system_layout,
    tool_available,
)
from matjobs.sandbox.users import UnixUser, UserUnavailable, account_user, user_for

__all__ = [
    "PACKAGE",
    "SandboxPolicy",
    "bwrap_argv",
    "job_environment",
    "missing_tool_reason",
    "system_layout",
    "tool_available",
    "UnixUser",
    "UserUnavailable",
    "account_user",
    "user_for",
]
