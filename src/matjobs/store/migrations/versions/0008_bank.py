"""The bank: standard materials and workflows that every account reads and none owns.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KINDS = ("bank_materials", "bank_workflows")


def upgrade() -> None:
    document = sa.JSON().with_variant(JSONB(), "postgresql")
    for name in KINDS:
        op.create_table(
            name,
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("name", sa.String(512), nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("updated_at", sa.String(32), nullable=False),
            sa.Column("doc", document, nullable=False),
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        )
        op.create_index(f"ix_{name}_name", name, ["name"])


def downgrade() -> None:
    for name in KINDS:
        op.drop_table(name)
