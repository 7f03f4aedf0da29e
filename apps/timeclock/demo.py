"""Demo punches for Acme (seed_demo, after rosters): filled in below."""

from typing import Any


def demo_seed(*, stdout: Any = None) -> None:
    return None
