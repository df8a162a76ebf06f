"""The in-process sandbox, as the bad-input corpus runs it."""

from tests.badinput.conftest import moto_cli  # noqa: F401
