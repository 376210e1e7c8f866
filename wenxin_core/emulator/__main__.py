"""``python -m wenxin_core.emulator``: see :mod:`wenxin_core.emulator.cli`."""

from wenxin_core.emulator.cli import main

raise SystemExit(main())
