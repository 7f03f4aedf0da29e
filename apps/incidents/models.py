"""Safety incidents: type, severity, people involved, investigation and corrective actions as tasks (issue 16)."""
