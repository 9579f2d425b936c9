"""Every document carries a revision, raised by each write: in the document (`revision`), and
in a column beside it, so that a read by id sends its ETag without parsing the document.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = (
    "jobs",
    "projects",
    "materials",
    "properties",
    "workflows",
    "job_sets",
    "material_sets",
    "bank_materials",
    "bank_workflows",
    "pseudopotentials",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("1")))
        # Documents written before now are at their first revision.
        if postgres:
            op.execute(f"UPDATE {name} SET doc = jsonb_set(doc, '{{revision}}', '1')")
        else:
            op.execute(f"UPDATE {name} SET doc = json_set(doc, '$.revision', 1)")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TABLES:
        if postgres:
            op.execute(f"UPDATE {name} SET doc = doc - 'revision'")
        else:
            op.execute(f"UPDATE {name} SET doc = json_remove(doc, '$.revision')")
        with op.batch_alter_table(name) as batch:
            batch.drop_column("revision")
