"""The test suite, one package: shared helpers in ``tests.support``, one folder per area."""
