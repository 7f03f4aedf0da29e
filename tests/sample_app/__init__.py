"""An app that exists only under test settings (config/settings/test.py): proof that an app plugs in
through its own contributions.py, touching no file of any other app (tests/test_sample_app.py)."""
