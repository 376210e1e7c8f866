"""Root of the test tree: the fixtures every folder shares.

The emulator fixtures (``wenxin_emulator``, ``wenxin_emulator_env``...) come from the shipped
plugin, ``wenxin_core.emulator.pytest_plugin`` (registered by the package's ``pytest11`` entry
point). On top of them: ``mode`` and ``make_client`` (the core clients, sync and async) from
:mod:`tests.support.clients`; ``module_server`` / ``server`` (one emulator per test module, for
the leak suites that count the sockets to its port) from :mod:`tests.support.resource_watch`;
and, for every test, no ``QIANFAN_*`` variable of the developer's own.
"""

pytest_plugins = ["tests.support.clients", "tests.support.env", "tests.support.resource_watch"]
