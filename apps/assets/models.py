"""Assets at workplaces, QR labels, meter readings and maintenance plans that open work orders as tasks (issue 16)."""
