"""An index for the query each runner makes every round: its own jobs in flight.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_jobs_runner_status", "jobs", ["runner", "status"])


def downgrade() -> None:
    op.drop_index("ix_jobs_runner_status", table_name="jobs")
