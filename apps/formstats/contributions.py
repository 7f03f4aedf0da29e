"""What form analytics add: per-field aggregates of form submissions (rolled up as they arrive) by workplace,
person and period, charts in the portal, CSV and XLSX export."""

from apps.core.contributions import contribute

contribute()
