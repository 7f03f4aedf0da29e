from apps.catalogue.tests.fixtures import acme_pro, catalogue, globex_pro, pro_plan, roles  # noqa: F401
