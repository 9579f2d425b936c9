"""Sets of jobs and of materials: an account's documents like the others.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("job_sets", "material_sets")


def upgrade() -> None:
    for name in TABLES:
        op.create_table(
            name,
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("account_id", sa.String(32), nullable=False),
            sa.Column("name", sa.String(512), nullable=False),
            sa.Column("is_default", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("updated_at", sa.String(32), nullable=False),
            sa.Column("doc", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"], ["accounts.id"], name=f"fk_{name}_account_id_accounts", ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        )
        op.create_index(f"ix_{name}_account_created", name, ["account_id", "created_at", "id"])
        op.create_index(f"ix_{name}_account_name", name, ["account_id", "name"])


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
