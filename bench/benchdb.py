"""The database of its own that a benchmark runs against (shared by the scripts in bench/).

`BenchDatabase("nf_bench_x")` points Django at that database on the server of DATABASE_URL
(BENCH_DATABASE_NAME overrides the name) with the test settings; it must be created before
`django.setup()`. `ensure()` creates the database when it is missing, `drop()` removes it.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nidia_flow")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BenchDatabase:
    def __init__(self, default_name: str) -> None:
        self.name = os.environ.get("BENCH_DATABASE_NAME", default_name)
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{self.name}"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

    def _admin_connection(self) -> psycopg.Connection[Any]:
        return psycopg.connect(urlunsplit(urlsplit(SERVER_URL)._replace(path="/postgres")), autocommit=True)

    def ensure(self) -> None:
        with self._admin_connection() as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name]).fetchone() is None:
                log(f"Creating the database {self.name} ...")
                admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        log(f"Dropped the database {self.name}.")
