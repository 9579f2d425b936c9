"""Notifications: a user's email address, an account's webhooks, the outbox of notices to
deliver, and how far the notifier has read the event feed.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

EVENT_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # as events.id

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email", sa.String(254), nullable=True))
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("events", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_webhooks_account_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
    )
    op.create_index("ix_webhooks_account_created", "webhooks", ["account_id", "created_at", "id"])
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("event_id", EVENT_ID, nullable=False),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("notice", sa.String(16), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=True),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", sa.Double, nullable=False),
        sa.Column("claimed_until", sa.Double, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("done_at", sa.Double, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_notify_outbox_account_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notify_outbox"),
        sa.UniqueConstraint("event_id", "notice", "target", name="uq_notify_outbox_event_notice_target"),
    )
    op.create_index("ix_notify_outbox_state_next", "notify_outbox", ["state", "next_attempt_at"])
    op.create_table(
        "notify_cursors",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("event_id", EVENT_ID, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_notify_cursors"),
    )


def downgrade() -> None:
    op.drop_table("notify_cursors")
    op.drop_index("ix_notify_outbox_state_next", table_name="notify_outbox")
    op.drop_table("notify_outbox")
    op.drop_index("ix_webhooks_account_created", table_name="webhooks")
    op.drop_table("webhooks")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
