"""What every stored document shares: references to other entities, and what may be stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from matjobs.errors import BadInput


@dataclass(frozen=True)
class Ref:
    """An entity reference as stored in documents: {_id, cls, slug}."""

    id: str
    cls: str
    slug: str

    def as_dict(self) -> dict[str, str]:
        return {"_id": self.id, "cls": self.cls, "slug": self.slug}


def check_storable(value: Any, path: str = "") -> None:
    """Keys may not look like query operators (selectors must stay unambiguous), and no string
    may hold a NUL character, which PostgreSQL cannot store."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key.startswith("$"):
                raise BadInput(f"invalid field name {where!r}: names may not start with '$'")
            if "\x00" in key:
                raise BadInput(f"invalid field name {where!r}: names may not contain NUL characters")
            check_storable(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{path}.{index}")
    elif isinstance(value, str) and "\x00" in value:
        raise BadInput(f"invalid value at {path or '(document)'}: strings may not contain NUL characters")


def slug_of(name: str) -> str:
    """The platform's slugs: lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"
