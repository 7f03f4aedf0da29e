"""Technical logs (API requests, application errors) and retention/archiving (issue 7)."""
