"""Runners hold leases: a table of runners, each with its lease's expiry and last renewal on the
database's clock, and, once another runner took it over, which and when.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runners",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("lease_expires", sa.Double, nullable=False),
        sa.Column("renewed_at", sa.Double, nullable=False),
        sa.Column("adopted_by", sa.String(64), nullable=True),
        sa.Column("adopted_at", sa.Double, nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_runners"),
    )


def downgrade() -> None:
    op.drop_table("runners")
