from typing import Any

RUNS: list[str] = []


def demo_seed(stdout: Any = None) -> None:
    RUNS.append("sample")
