"""Properties are looked up by job, unit and name: `source.info.jobId`, `source.info.unitId` and
`data.name` copied into their own columns (NULL where the document holds no string there), with
one index over the account and the three.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COPIED = (("job_id", "source", "info", "jobId"), ("unit_id", "source", "info", "unitId"), ("data_name", "data", "name"))
INDEX = "ix_properties_account_job_unit_name"


def _string_at(postgres: bool, keys: tuple[str, ...]) -> str:
    if postgres:
        path = "{" + ",".join(keys) + "}"
        return f"CASE WHEN jsonb_typeof(doc #> '{path}') = 'string' THEN doc #>> '{path}' END"
    path = "$." + ".".join(keys)
    return f"CASE WHEN json_type(doc, '{path}') = 'text' THEN json_extract(doc, '{path}') END"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("properties") as batch:
        for column, *_ in COPIED:
            batch.add_column(sa.Column(column, sa.Text(), nullable=True))
    # Properties stored before now get their copies, as the code writes them from now on.
    assignments = ", ".join(f"{column} = {_string_at(postgres, tuple(keys))}" for column, *keys in COPIED)
    op.execute(f"UPDATE properties SET {assignments}")
    op.create_index(INDEX, "properties", ["account_id", "job_id", "unit_id", "data_name"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="properties")
    with op.batch_alter_table("properties") as batch:
        for column, *_ in COPIED:
            batch.drop_column(column)
