"""matjobs: a self-hosted jobs service for computational materials science."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matjobs.api.app import create_app
    from matjobs.settings import Settings

__all__ = ["Settings", "create_app"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Imported on first use: the runner and the command line start without the web stack.
    if name == "create_app":
        from matjobs.api.app import create_app

        return create_app
    if name == "Settings":
        from matjobs.settings import Settings

        return Settings
    raise AttributeError(f"module 'matjobs' has no attribute {name!r}")
