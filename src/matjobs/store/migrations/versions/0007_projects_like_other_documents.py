"""Projects take the shape of the other account documents: an updatedAt column and the same
list indexes, so one store module serves them all.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("updated_at", sa.String(32), nullable=True))
    op.execute("UPDATE projects SET updated_at = created_at")
    with op.batch_alter_table("projects") as batch:
        batch.alter_column("updated_at", existing_type=sa.String(32), nullable=False)
        batch.alter_column("name", existing_type=sa.String(256), type_=sa.String(512), existing_nullable=False)
        batch.create_index("ix_projects_account_created", ["account_id", "created_at", "id"])
        batch.create_index("ix_projects_account_name", ["account_id", "name"])


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_index("ix_projects_account_name")
        batch.drop_index("ix_projects_account_created")
        batch.alter_column("name", existing_type=sa.String(512), type_=sa.String(256), existing_nullable=False)
        batch.drop_column("updated_at")
