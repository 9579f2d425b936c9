"""Materials and workflows: an account's documents, each kind in a table of the same shape.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

KINDS = ("materials", "workflows")


def upgrade() -> None:
    document = sa.JSON().with_variant(JSONB(), "postgresql")
    for name in KINDS:
        op.create_table(
            name,
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("account_id", sa.String(32), nullable=False),
            sa.Column("name", sa.String(512), nullable=False),
            sa.Column("is_default", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("updated_at", sa.String(32), nullable=False),
            sa.Column("doc", document, nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"], ["accounts.id"], name=f"fk_{name}_account_id_accounts", ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        )
        op.create_index(f"ix_{name}_account_created", name, ["account_id", "created_at", "id"])
        op.create_index(f"ix_{name}_account_name", name, ["account_id", "name"])


def downgrade() -> None:
    for name in KINDS:
        op.drop_table(name)
