"""Prints the isolation matrix's and the contract run's counts in pytest's terminal summary (no -s needed)."""

import pytest

REPORT_LINES = pytest.StashKey[list[str]]()


def report(config: pytest.Config, line: str) -> None:
    print(line)
    config.stash.setdefault(REPORT_LINES, []).append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(REPORT_LINES, [])
    if lines:
        terminalreporter.section("isolation and contract")
        for line in lines:
            terminalreporter.write_line(line)
