"""Errors a clerk or court IT can act on: what went wrong, where, and what to do."""

from __future__ import annotations


class UserError(Exception):
    """A refusal or failure to report in one line, with the CLI exit code to use."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RefusedError(UserError):
    """An action refused for role, state or password reasons (CLI exit 4); nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=4)


class BusyError(UserError):
    """Another ReliefDesk holds the write lock longer than the busy timeout."""

    def __init__(
        self,
        message: str = "The database is busy (another ReliefDesk window or command "
        "is writing); try again in a moment.",
    ) -> None:
        super().__init__(message, exit_code=5)
