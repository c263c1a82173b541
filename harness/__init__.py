"""Offline and local tooling for the honeyhive-lambda-test program (see README.md)."""
