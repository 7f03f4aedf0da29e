"""What the reporting app adds. Report definitions over forms, attendance, leave, tasks and operations; HTML,
CSV, XLSX and PDF; scheduled delivery. The `reports` scope family and notification category are declared by
the forms app.
"""

from apps.core.contributions import contribute

contribute()
