"""Jobs carry the cluster's id for them in a column, so a runner's round reads no documents.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("jid", sa.String(64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE jobs SET jid = doc #>> '{compute,cluster,jid}' WHERE runner IS NOT NULL")
    else:
        op.execute("UPDATE jobs SET jid = json_extract(doc, '$.compute.cluster.jid') WHERE runner IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("jid")
