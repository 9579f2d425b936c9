"""The pseudopotential registry: the UPF files found on this machine, read by every account.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pseudopotentials",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("doc", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pseudopotentials"),
    )
    op.create_index("ix_pseudopotentials_name", "pseudopotentials", ["name"])


def downgrade() -> None:
    op.drop_table("pseudopotentials")
