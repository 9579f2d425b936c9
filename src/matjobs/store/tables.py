"""Table definitions. Documents are JSON (jsonb on PostgreSQL); the fields lists filter and sort on
are copied into their own indexed columns."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.schema import SchemaItem

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Document = sa.JSON().with_variant(JSONB(), "postgresql")
Id = sa.String(32)
Timestamp = sa.String(32)  # ISO 8601 UTC with milliseconds: sorts as text


def _revision() -> sa.Column[int]:
    """The document's `revision`, copied out so that a read by id sends its ETag unparsed."""
    return sa.Column("revision", sa.Integer, nullable=False, server_default=sa.text("1"))


accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("created_at", Timestamp, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("username", sa.String(128), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("account_id", Id, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("email", sa.String(254), nullable=True),  # where the account's job notices go
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("id", Id, nullable=False, unique=True),  # public: what owners list and revoke by
    sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("account_id", Id, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("account_id", Id, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("project_id", Id, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("cluster", sa.String(256), nullable=True),  # compute.cluster.fqdn; set at submit at the latest
    sa.Column("queue", sa.String(32), nullable=False, server_default="D"),
    sa.Column("runner", sa.String(64), nullable=True),  # the runner that claimed the job for its cluster
    sa.Column("jid", sa.String(64), nullable=True),  # compute.cluster.jid: the cluster's id for the job
    sa.Column("doc", Document, nullable=False),
    _revision(),
    sa.Index("ix_jobs_account_created", "account_id", "created_at", "id"),
    sa.Index("ix_jobs_account_status_created", "account_id", "status", "created_at", "id"),
    sa.Index("ix_jobs_account_updated", "account_id", "updated_at", "id"),
    sa.Index("ix_jobs_account_name", "account_id", "name"),
    sa.Index("ix_jobs_account_project", "account_id", "project_id"),
    # The runner and cluster loads look across accounts by status and cluster.
    sa.Index("ix_jobs_status", "status"),
    sa.Index("ix_jobs_status_cluster", "status", "cluster"),
    sa.Index("ix_jobs_runner_status", "runner", "status"),  # a runner's own jobs, every round
)


# Runners of this store and their leases, in seconds since the epoch on the DATABASE's clock, so
# that runners on machines whose clocks disagree still agree on whose lease ran out. A runner
# another took over keeps its row, marked, until it registers again.
runners = sa.Table(
    "runners",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("lease_expires", sa.Double, nullable=False),
    sa.Column("renewed_at", sa.Double, nullable=False),
    sa.Column("adopted_by", sa.String(64), nullable=True),
    sa.Column("adopted_at", sa.Double, nullable=True),
)


# What moved in each job, in the order it was written: the event stream's feed. A job's events
# outlive the job (its deletion is one of them); the account's removal takes them.
EventId = sa.BigInteger().with_variant(sa.Integer, "sqlite")
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", EventId, primary_key=True, autoincrement=True),
    sa.Column("account_id", Id, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("job_id", Id, nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Index("ix_events_account_id", "account_id", "id"),
    sa.Index("ix_events_job_id", "job_id", "id"),
    sa.Index("ix_events_created_at", "created_at"),
)


def _account_documents(name: str, *extra: SchemaItem) -> sa.Table:
    """An account's documents of one kind, with the columns every such kind lists and sorts by,
    and the kind's own copied fields and indexes."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", Id, primary_key=True),
        sa.Column("account_id", Id, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False, default=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("doc", Document, nullable=False),
        _revision(),
        sa.Index(f"ix_{name}_account_created", "account_id", "created_at", "id"),
        sa.Index(f"ix_{name}_account_name", "account_id", "name"),
        *extra,
    )


projects = _account_documents("projects", sa.Index("ix_projects_account_default", "account_id", "is_default"))
materials = _account_documents("materials")
# A job page and every client look a job's results up by job, unit and name. The copies are
# NULL where the document has no such string (a property added by a client names no unit). The
# index finds one job's results in listing order; its unit and name are matched among those.
properties = _account_documents(
    "properties",
    sa.Column("job_id", sa.Text, nullable=True),  # source.info.jobId
    sa.Column("unit_id", sa.Text, nullable=True),  # source.info.unitId: the unit's flowchartId
    sa.Column("data_name", sa.Text, nullable=True),  # data.name: total_energy, band_gaps, ...
    sa.Index("ix_properties_account_job_created", "account_id", "job_id", "created_at", "id"),
)
workflows = _account_documents("workflows")
# Named groups of an account's jobs or materials; members name theirs in `inSet`.
job_sets = _account_documents("job_sets")
material_sets = _account_documents("material_sets")


def _shared_documents(name: str) -> sa.Table:
    """Documents every account reads and none owns (the bank)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("doc", Document, nullable=False),
        _revision(),
        sa.Index(f"ix_{name}_name", "name"),
    )


bank_materials = _shared_documents("bank_materials")
bank_workflows = _shared_documents("bank_workflows")
pseudopotentials = _shared_documents("pseudopotentials")


# Where an account's job notices are POSTed. The secret is kept as it was issued: the sender
# signs each body with it (HMAC), so it must be read back, which a hash would not allow.
webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("account_id", Id, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret", sa.String(128), nullable=False),
    sa.Column("events", sa.String(64), nullable=False),  # notices it hears of, comma-separated: begin,end,abort
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index("ix_webhooks_account_created", "account_id", "created_at", "id"),
)

# Notices to deliver, written with the notifier's cursor in one transaction, so that none is
# lost or written twice; each is tried until delivered, or given up after its retries. Times in
# seconds since the epoch on the database's clock, as the runners' leases are.
notify_outbox = sa.Table(
    "notify_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", EventId, nullable=False),
    sa.Column("account_id", Id, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("job_id", Id, nullable=False),
    sa.Column("notice", sa.String(16), nullable=False),  # begin, end, abort: one event may give two
    sa.Column("target", sa.String(32), nullable=False),  # "email", or the webhook's id
    sa.Column("recipient", sa.String(254), nullable=True),  # an email's address
    sa.Column("subject", sa.Text, nullable=True),  # an email's subject
    sa.Column("body", sa.Text, nullable=False),  # an email's text, or a webhook's JSON as signed
    sa.Column("state", sa.String(16), nullable=False),  # pending, delivered, given-up
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("next_attempt_at", sa.Double, nullable=False),
    sa.Column("claimed_until", sa.Double, nullable=True),  # a notifier is sending it until then
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("done_at", sa.Double, nullable=True),
    sa.UniqueConstraint("event_id", "notice", "target", name="uq_notify_outbox_event_notice_target"),
    sa.Index("ix_notify_outbox_state_next", "state", "next_attempt_at"),
)

# How far the notifier has read the event feed.
notify_cursors = sa.Table(
    "notify_cursors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("event_id", EventId, nullable=False),
)
