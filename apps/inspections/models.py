"""Inspection templates with scoring, scheduled inspections and their results; each failed item
opens a corrective task (issue 16)."""
