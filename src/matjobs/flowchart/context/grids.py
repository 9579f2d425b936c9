"""Uniform grids (`kgrid`, `qgrid`, `igrid`) as the platform's PointsGrid providers compute them:
a number of points per reciprocal atom (KPPRA) spread over the reciprocal axes in proportion to
their lengths, or a spacing along each axis."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from matjobs.flowchart.context.cell import cell_vectors, reciprocal_vectors

DEFAULT_KPPRA = 5  # the platform's globalSettings "PointsGridFormDataProvider.defaultKPPRA"
DEFAULT_SPACING = 0.3  # 1/angstrom
# Each grid's default KPPRA is the setting divided by its divisor (k: 5, q: 1, i: 25).
DIVISORS = {"kgrid": 1.0, "qgrid": 5.0, "igrid": 0.2}


def default_grid(name: str, material: dict[str, Any]) -> dict[str, Any]:
    """What the platform stores for a grid nobody edited (`getDefaultData`)."""
    value = default_metric_value(name, "KPPRA")
    return {
        "dimensions": dimensions(material, "KPPRA", value),
        "shifts": [0, 0, 0],
        "gridMetricType": "KPPRA",
        "gridMetricValue": value,
        "preferGridMetric": False,
        "reciprocalVectorRatios": [round(float(r), 3) for r in _ratios(material)],
    }


def edited_grid(name: str, material: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A stored grid: its dimensions, unless it prefers its metric, whose grid is recomputed for
    this material (`getData`)."""
    grid = {**default_grid(name, material), **data}
    metric = grid.get("gridMetricType")
    if grid.get("preferGridMetric") and metric in ("KPPRA", "spacing"):
        value = grid.get("gridMetricValue")
        valid = isinstance(value, int | float) and (value >= 1 if metric == "KPPRA" else value > 0)
        if not isinstance(value, int | float) or not valid:
            value = default_metric_value(name, metric)
        grid["gridMetricValue"] = value
        grid["dimensions"] = dimensions(material, metric, float(value))
    return grid


def default_metric_value(name: str, metric: str) -> float:
    if metric == "spacing":
        return DEFAULT_SPACING
    return math.floor(DEFAULT_KPPRA / DIVISORS[name])


def dimensions(material: dict[str, Any], metric: str, value: float) -> list[int]:
    norms = np.linalg.norm(reciprocal_vectors(cell_vectors(material)), axis=1)
    if metric == "spacing":
        return [max(1, math.ceil(round(float(norm) / value, 4))) for norm in norms]
    points = value / max(1, len((material.get("basis") or {}).get("elements") or []))
    rows = []
    for index in range(3):
        j, k = (i for i in range(3) if i != index)
        rows.append(max(1, math.ceil(float(np.cbrt(points * norms[index] ** 2 / (norms[j] * norms[k]))))))
    return rows


def _ratios(material: dict[str, Any]) -> list[float]:
    norms = np.linalg.norm(reciprocal_vectors(cell_vectors(material)), axis=1)
    return [float(n / norms.max()) for n in norms]
