"""The errors the runner recorded on jobs lose their `domain` ("runner", "cluster",
"application"): the job schema allows only the platform's own services there, so such a job
failed validation on every later update, a tag included. A job changed here moves on a revision.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SCHEMA_DOMAINS = {"rupy", "alfred", "celim", "webapp"}


def upgrade() -> None:
    connection = op.get_bind()
    document = sa.JSON().with_variant(JSONB(), "postgresql")
    jobs = sa.table("jobs", sa.column("id", sa.String), sa.column("doc", document), sa.column("revision", sa.Integer))
    text = sa.cast(jobs.c.doc, sa.Text)
    found = connection.execute(sa.select(jobs.c.id, jobs.c.doc).where(text.like('%"domain"%'))).all()
    for job_id, doc in found:
        errors = (doc.get("compute") or {}).get("errors")
        if not isinstance(errors, list):
            continue
        kept = [_in_schema(error) for error in errors]
        if kept == errors:
            continue
        doc["compute"]["errors"] = kept
        doc["revision"] = int(doc.get("revision", 1)) + 1
        connection.execute(sa.update(jobs).where(jobs.c.id == job_id).values(doc=doc, revision=jobs.c.revision + 1))


def _in_schema(error: object) -> object:
    if isinstance(error, dict) and error.get("domain") not in (None, *SCHEMA_DOMAINS):
        return {key: value for key, value in error.items() if key != "domain"}
    return error


def downgrade() -> None:
    pass  # the domains dropped named no more than the reason and message still say
