"""Time entries on tasks: timers and manual entries, one running timer and no overlap per person (issue 16)."""
