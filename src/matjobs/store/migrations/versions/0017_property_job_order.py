"""A job's properties are found in the order they are listed: the index over the account and the
job carries `created_at, id` rather than the unit and the name. Where most accounts hold few
results, SQLite's planner otherwise walked one account's results in date order instead (a job's
page among thousands); the unit and the name are then matched among one job's own.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OLD = "ix_properties_account_job_unit_name"
NEW = "ix_properties_account_job_created"


def upgrade() -> None:
    op.drop_index(OLD, table_name="properties")
    op.create_index(NEW, "properties", ["account_id", "job_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index(NEW, table_name="properties")
    op.create_index(OLD, "properties", ["account_id", "job_id", "unit_id", "data_name"])
