"""Jobs carry their cluster and queue in columns, for cluster loads and the runner.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("cluster", sa.String(256), nullable=True))
        batch.add_column(sa.Column("queue", sa.String(32), nullable=False, server_default="D"))
        batch.create_index("ix_jobs_status_cluster", ["status", "cluster"])
    # Existing jobs: copy the values out of their documents.
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE jobs SET cluster = doc #>> '{compute,cluster,fqdn}', "
            "queue = COALESCE(doc #>> '{compute,queue}', 'D')"
        )
    else:
        op.execute(
            "UPDATE jobs SET cluster = json_extract(doc, '$.compute.cluster.fqdn'), "
            "queue = COALESCE(json_extract(doc, '$.compute.queue'), 'D')"
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_status_cluster")
        batch.drop_column("queue")
        batch.drop_column("cluster")
