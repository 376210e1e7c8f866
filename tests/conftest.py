"""Root of the test tree: its folder is on ``sys.path`` (pytest's rootdir-based imports), so
shared helpers such as ``resource_watch`` import by name from any test package."""

# ``module_server`` / ``server``: one emulator per test module (the three leak suites count the
# sockets to its port), defined once in ``resource_watch``.
pytest_plugins = ["resource_watch"]
