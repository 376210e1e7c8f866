"""Root of the test tree: its folder is on ``sys.path`` (pytest's rootdir-based imports), so
shared helpers such as ``resource_watch`` import by name from any test package."""
