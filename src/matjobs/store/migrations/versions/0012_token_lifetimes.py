"""API tokens get a public id (to be listed and revoked by) and an expiry.

Tokens issued before this revision expire their lifetime (MATJOBS_TOKEN_LIFETIME_DAYS, default
30) after they were issued, as new ones do.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from matjobs.ids import days_after, new_id
from matjobs.settings import Settings

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.String(32), nullable=True))
    lifetime = Settings.load().token_lifetime_days
    table = sa.table(
        "tokens", sa.column("token_hash"), sa.column("id"), sa.column("created_at"), sa.column("expires_at")
    )
    connection = op.get_bind()
    for digest, created_at in connection.execute(sa.select(table.c.token_hash, table.c.created_at)).all():
        connection.execute(
            sa.update(table)
            .where(table.c.token_hash == digest)
            .values(id=new_id(), expires_at=days_after(created_at, lifetime))
        )
    with op.batch_alter_table("tokens") as batch:
        batch.alter_column("id", existing_type=sa.String(32), nullable=False)
        batch.alter_column("expires_at", existing_type=sa.String(32), nullable=False)
        batch.create_unique_constraint("uq_tokens_id", ["id"])


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_constraint("uq_tokens_id", type_="unique")
        batch.drop_column("expires_at")
        batch.drop_column("id")
