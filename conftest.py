# The shared fixtures (session tenants, actors, clients per surface) serve tests/ and apps/*/tests/.
pytest_plugins = ["tests.fixtures", "tests.matrix_report"]
