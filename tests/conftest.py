"""Shared pytest setup."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "validators: runs an external validator (EPUBCheck, DAISY Ace); slow")
