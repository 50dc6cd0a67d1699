"""Shared test helpers (as qutebrowser's tests/helpers/): the one CLI runner (cli.py) and the
one generated, evaluated template database the review tests copy (world.py). The fixtures that
hand them to tests are in tests/conftest.py."""
