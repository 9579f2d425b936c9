"""The typed selector tree that parse builds and compile reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Path = tuple[str, ...]


@dataclass(frozen=True)
class Eq:
    value: Any


@dataclass(frozen=True)
class Compare:
    op: str  # gt, gte, lt, lte
    value: Any


@dataclass(frozen=True)
class In:
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Exists:
    present: bool


@dataclass(frozen=True)
class Regex:
    pattern: str  # flags already folded in as an inline group, e.g. "(?i)^si"


@dataclass(frozen=True)
class All:
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Size:
    length: int


@dataclass(frozen=True)
class ElemMatchDocument:
    selector: Selector


@dataclass(frozen=True)
class ElemMatchValue:
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Not:
    tests: tuple[Test, ...]


Test = Eq | Compare | In | Exists | Regex | All | Size | ElemMatchDocument | ElemMatchValue | Not


@dataclass(frozen=True)
class Field:
    path: Path
    test: Test


@dataclass(frozen=True)
class And:
    clauses: tuple[Selector, ...]


@dataclass(frozen=True)
class Or:
    clauses: tuple[Selector, ...]


@dataclass(frozen=True)
class Nor:
    clauses: tuple[Selector, ...]


Selector = Field | And | Or | Nor
