"""The package exports what users need, and only that."""

import matjobs


def test_exports() -> None:
    assert sorted(matjobs.__all__) == ["Settings", "create_app"]
    assert all(hasattr(matjobs, name) for name in matjobs.__all__)
