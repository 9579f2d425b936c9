"""matjobs: a self-hosted jobs service for computational materials science."""

from matjobs.api.app import create_app
from matjobs.settings import Settings

__all__ = ["Settings", "create_app"]
__version__ = "0.1.0"
