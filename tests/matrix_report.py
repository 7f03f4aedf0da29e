"""Prints the isolation matrix's and the contract run's counts in pytest's terminal summary (no -s needed).

The lines travel as the test report's user properties, so they reach the summary with pytest-xdist too
(workers send their reports to the controller, which writes the summary).
"""

from typing import Any

import pytest

PROPERTY = "isolation_and_contract"


def report(request: pytest.FixtureRequest, line: str) -> None:
    print(line)
    request.node.user_properties.append((PROPERTY, line))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for test_report in reports
        if getattr(test_report, "when", None) == "call"
        for name, value in getattr(test_report, "user_properties", ())
        if name == PROPERTY
    ]
    if lines:
        terminalreporter.section("isolation and contract")
        for line in lines:
            terminalreporter.write_line(line)
