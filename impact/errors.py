"""Errors a user can act on. The only place exit codes are defined."""
from __future__ import annotations

EXIT_OK = 0
EXIT_VERDICT = 1  # the verdict is at or above --fail-on
EXIT_USAGE = 2  # click's own usage errors
EXIT_INPUT = 3  # migration missing/ambiguous/unparseable, repo unreadable, bad config
EXIT_DATABASE = 4  # database unreachable, apply/verify failed
EXIT_INTERNAL = 70  # a bug in impact itself (EX_SOFTWARE)


class ImpactError(Exception):
    """An error printed as one line: the problem, then what to do about it."""

    exit_code = EXIT_INPUT

    def __init__(self, problem: str, fix: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def one_line(self) -> str:
        return f"{self.problem} — {self.fix}" if self.fix else self.problem


class InputError(ImpactError):
    exit_code = EXIT_INPUT


class MigrationNotFound(InputError):
    pass


class AmbiguousMigration(InputError):
    pass


class ConfigError(InputError):
    pass


class Refused(ImpactError):
    """The verdict (or an irreversible rollback) stops the command; --force/--yes overrides."""

    exit_code = EXIT_VERDICT
