from apps.billing.tests.conftest import (  # noqa: F401 - billing's plans and subscriptions
    acme_au,
    acme_subscription,
    au_country,
    make_subscription,
    plan_factory,
    starter,
)
from apps.webhooks.tests.conftest import receiver  # noqa: F401 - a local HTTP receiver for endpoints
