"""The bank: the platform's standard materials and workflows (mat3ra-standata), the same for
every account, browsed as they are and copied into an account on request.

Each bank document keeps an id derived from its standard-data file name, so it is the same in
every database and across upgrades.
"""

from __future__ import annotations

import copy
import logging
from functools import cache
from typing import Any

from matjobs.documents import schema
from matjobs.documents.entity import derived, filled, slug_of
from matjobs.errors import BadInput
from matjobs.ids import stable_id

log = logging.getLogger("matjobs.bank")
DEFAULT_MATERIAL = "Si-[Silicon]-FCC_[Fd-3m]_3D_[Bulk]-[mp-149].json"
DEFAULT_WORKFLOW = "espresso/total_energy.json"
# When the standard data was published (mat3ra-standata 2026.10.26): bank documents' createdAt.
PUBLISHED = "2026-10-26T00:00:00.000Z"


@cache
def bank(entity: str) -> dict[str, dict[str, Any]]:
    """The entity's bank documents by standard-data file name, valid against its schema."""
    documents = {}
    for file_name, raw in _standard_data(entity).items():
        document = {
            "slug": slug_of(str(raw.get("name", file_name))),
            **_normalized(entity, raw),
            # Standard data carries ids of its own, and repeats some between files.
            "_id": bank_id(entity, file_name),
            "isDefault": False,
            "createdAt": PUBLISHED,
            "updatedAt": PUBLISHED,
        }
        try:
            schema.validate(entity, document)
        except BadInput as problem:
            log.info("standard %s %s is left out of the bank: %s", entity, file_name, problem.message)
            continue
        documents[file_name] = document
    return documents


def bank_id(entity: str, file_name: str) -> str:
    return stable_id(f"bank/{entity}/{file_name}")


def _standard_data(entity: str) -> dict[str, dict[str, Any]]:
    if entity == "material":
        from mat3ra.standata.materials import Materials

        return dict(Materials.data.filesMapByName.dictionary)
    from mat3ra.standata.workflows import WorkflowStandata

    return dict(WorkflowStandata.data.filesMapByName.dictionary)


def _normalized(entity: str, raw: dict[str, Any]) -> dict[str, Any]:
    return derived(entity, filled(entity, copy.deepcopy(raw)))
