"""What reference adds: its demo data."""

from apps.core.contributions import DemoStep, contribute

contribute(DemoStep("reference", "apps.reference.demo.demo_seed", order=10))
