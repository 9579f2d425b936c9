"""Users, their personal accounts and default projects, and API tokens."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matjobs.bank import DEFAULT_MATERIAL, DEFAULT_WORKFLOW, bank_id
from matjobs.credentials import hash_password, new_token, token_digest
from matjobs.documents.entity import Ref, copied_body, new_document
from matjobs.errors import BadInput, NotFound
from matjobs.ids import days_after, new_id, now_iso
from matjobs.store import documents
from matjobs.store.engine import Store
from matjobs.store.prepared import parameter
from matjobs.store.tables import accounts, projects, tokens, users

log = logging.getLogger("matjobs.accounts")
DEFAULT_PROJECT_NAME = "Default"
DEFAULT_TOKEN_LIFETIME_DAYS = 30.0


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user acting in an account."""

    user_id: str
    username: str
    account_id: str
    account_name: str

    @property
    def owner(self) -> Ref:
        """The account, as the documents it owns refer to it."""
        return Ref(self.account_id, "Account", self.account_name)

    @property
    def creator(self) -> Ref:
        """The user, as the documents it creates refer to it."""
        return Ref(self.user_id, "User", self.username)


@dataclass(frozen=True)
class Issued:
    principal: Principal
    token: str


@dataclass(frozen=True)
class Holder:
    """Who a presented token belongs to, and until when it is good."""

    principal: Principal
    token_id: str
    expires_at: str

    def expired(self, now: str) -> bool:
        return self.expires_at <= now  # both ISO text of one width: text order is time order


@dataclass(frozen=True)
class LoginCandidate:
    """A user as login finds it by name: the password to check, and who it would be."""

    principal: Principal
    password_hash: str


def create_user(
    conn: Connection, *, username: str, password: str, token_lifetime_days: float = DEFAULT_TOKEN_LIFETIME_DAYS
) -> Issued:
    """A user with a personal account of the same name, its default project, and a first token."""
    if not username or len(username) > 128:
        raise BadInput("username must be 1 to 128 characters")
    if len(password) < 8:
        raise BadInput("password must be at least 8 characters")
    taken = (
        conn.execute(sa.select(users.c.id).where(users.c.username == username)).first()
        or conn.execute(sa.select(accounts.c.id).where(accounts.c.name == username)).first()
    )
    if taken:
        raise BadInput(f"username {username!r} is taken")
    now = now_iso()
    account_id, user_id = new_id(), new_id()
    conn.execute(sa.insert(accounts).values(id=account_id, name=username, created_at=now))
    conn.execute(
        sa.insert(users).values(
            id=user_id, username=username, password_hash=hash_password(password), account_id=account_id, created_at=now
        )
    )
    principal = Principal(user_id=user_id, username=username, account_id=account_id, account_name=username)
    create_default_project(conn, principal)
    create_defaults_from_bank(conn, principal)
    return Issued(principal, issue_token(conn, principal, token_lifetime_days))


def create_default_project(conn: Connection, principal: Principal) -> str:
    document = new_document(
        "project",
        {"name": DEFAULT_PROJECT_NAME},
        document_id=new_id(),
        owner=principal.owner,
        creator=principal.creator,
        created_at=now_iso(),
        is_default=True,
    )
    documents.insert(conn, documents.PROJECTS, document)
    return str(document["_id"])


DEFAULTS_FROM_BANK = (
    (documents.BANK_MATERIALS, documents.MATERIALS, DEFAULT_MATERIAL),
    (documents.BANK_WORKFLOWS, documents.WORKFLOWS, DEFAULT_WORKFLOW),
)


def create_defaults_from_bank(conn: Connection, principal: Principal) -> None:
    """A new account starts with the bank's Si as its default material and Quantum ESPRESSO's
    total energy workflow as its default workflow, copied from the bank `migrate` loaded."""
    for bank, kind, file_name in DEFAULTS_FROM_BANK:
        original = documents.read_shared(conn, bank, bank_id(kind.entity, file_name))
        if original is None:
            log.warning("the bank has no %s; run `matjobs migrate`", file_name)
            continue
        document = new_document(
            kind.entity,
            copied_body(original),
            document_id=new_id(),
            owner=principal.owner,
            creator=principal.creator,
            created_at=now_iso(),
            is_default=True,
        )
        documents.insert(conn, kind, document)


def default_project_id(store: Store, account_id: str) -> str:
    """Asked by every create, so it is a prepared read."""
    found = store.first(_default_project, account_id=account_id)
    if found is None:
        raise LookupError(f"account {account_id} has no default project")
    return str(found[0])


def _default_project(_store: Store) -> sa.Select[Any]:
    return (
        sa.select(projects.c.id)
        .where(projects.c.account_id == parameter("account_id"), projects.c.is_default.is_(True))
        .order_by(projects.c.created_at)
        .limit(1)
    )


def issue_token(conn: Connection, principal: Principal, lifetime_days: float = DEFAULT_TOKEN_LIFETIME_DAYS) -> str:
    token, now = new_token(), now_iso()
    conn.execute(
        sa.insert(tokens).values(
            token_hash=token_digest(token),
            id=new_id(),
            user_id=principal.user_id,
            account_id=principal.account_id,
            created_at=now,
            expires_at=days_after(now, lifetime_days),
        )
    )
    return token


def _principals() -> sa.Select[Any]:
    """Users with their personal accounts, in the column order `_principal` reads."""
    return sa.select(users.c.id, users.c.username, accounts.c.id, accounts.c.name).join(
        accounts, accounts.c.id == users.c.account_id
    )


def _principal(row: Sequence[Any]) -> Principal:
    return Principal(user_id=row[0], username=row[1], account_id=row[2], account_name=row[3])


def _login_candidate(_store: Store) -> sa.Select[Any]:
    return _principals().add_columns(users.c.password_hash).where(users.c.username == parameter("username"))


def login_candidate(store: Store, username: str) -> LoginCandidate | None:
    """The user login checks a password against: one indexed read, outside any write."""
    row = store.first(_login_candidate, username=username)
    return None if row is None else LoginCandidate(_principal(row), row[4])


def _holder_by_token(_store: Store) -> sa.Select[Any]:
    return (
        _principals()
        .add_columns(tokens.c.id, tokens.c.expires_at)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_hash == parameter("digest"))
    )


def token_holder(store: Store, token: str) -> Holder | None:
    """Every request asks this, so it is a prepared read, by the token table's primary key."""
    row = store.first(_holder_by_token, digest=token_digest(token))
    return None if row is None else Holder(_principal(row), token_id=row[4], expires_at=row[5])


def revoke_token(conn: Connection, token: str) -> None:
    conn.execute(sa.delete(tokens).where(tokens.c.token_hash == token_digest(token)))


def tokens_of(conn: Connection, user_id: str) -> list[dict[str, str]]:
    """A user's tokens by public id, oldest first; never the token or its digest."""
    rows = conn.execute(
        sa.select(tokens.c.id, tokens.c.created_at, tokens.c.expires_at)
        .where(tokens.c.user_id == user_id)
        .order_by(tokens.c.created_at, tokens.c.id)
    ).all()
    return [{"_id": row[0], "createdAt": row[1], "expiresAt": row[2]} for row in rows]


def revoke_token_by_id(conn: Connection, user_id: str, token_id: str) -> None:
    """Revoke one of the user's own tokens; another user's token is as unknown as a made-up id."""
    deleted = conn.execute(sa.delete(tokens).where(tokens.c.id == token_id, tokens.c.user_id == user_id))
    if deleted.rowcount == 0:
        raise NotFound(f"no token {token_id!r} for this user")


def find_user(conn: Connection, username: str) -> Principal | None:
    row = conn.execute(_principals().where(users.c.username == username)).first()
    return None if row is None else _principal(row)
