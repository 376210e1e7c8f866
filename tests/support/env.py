"""No test sees the developer's real credentials: every ``QIANFAN_*`` variable is removed.

An autouse fixture for the whole tree (``tests/conftest.py`` registers this module); CI unsets
the variables too, this guards local runs. A test sets what it needs with ``monkeypatch`` or the
``wenxin_emulator_env*`` fixtures.
"""

from __future__ import annotations

import pytest

from wenxin_core.auth import ENV_VARS

__all__ = ["QIANFAN_ENV", "clean_qianfan_env"]

QIANFAN_ENV = tuple(sorted(set(ENV_VARS.values())))
"""Every variable the core and the adapters read (credentials, app id and URLs)."""


@pytest.fixture(autouse=True)
def clean_qianfan_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every variable of :data:`QIANFAN_ENV` for the test (restored afterwards)."""
    for name in QIANFAN_ENV:
        monkeypatch.delenv(name, raising=False)
