"""Support desk: tickets, SLA clocks, messages and internal notes, canned responses (issue 7)."""
