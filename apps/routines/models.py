"""Recurring sets of tasks (RFC 5545 rules in the workplace's time zone), generated ahead by a beat task (issue 16)."""
