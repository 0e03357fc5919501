"""The exception tree. Every error a user can cause is a ``LoadlibError``.

    LoadlibError                    exit 104 unless a subclass says otherwise
     +-- ConfigError                invalid configuration, detected before any traffic (104)
     |    +-- ProfileError          a load profile (TOML / pasted k6 options JSON)
     |    +-- ThresholdSyntaxError  a threshold expression that does not parse
     |    +-- EnvironmentVariableError  a workload's required environment variable
     |    +-- SuiteError            a suite file or env file
     +-- ThresholdsFailed           thresholds crossed (99)
     +-- RunInterrupted             SIGINT / SIGTERM (105)

Messages name the file, key and value, and say what is accepted, so the
user can fix the input without reading a traceback:

>>> raise ProfileError("stages[1].duration", "2x", "a k6 duration such as 500ms, 30s, 2m, 3h30m", source="profiles/load.toml")
Traceback (most recent call last):
loadlib.errors.ProfileError: profiles/load.toml: stages[1].duration = '2x' is not valid; expected a k6 duration such as 500ms, 30s, 2m, 3h30m
"""

from __future__ import annotations

from loadlib import exitcodes


class LoadlibError(Exception):
    """Root of every loadlib error; carries the process exit code it should end with."""

    exit_code: int = exitcodes.INVALID_CONFIG

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class ConfigError(LoadlibError):
    """Invalid configuration, found before any user is spawned or request sent."""

    exit_code = exitcodes.INVALID_CONFIG

    def __init__(
        self,
        field: str,
        value: object = None,
        expected: str | None = None,
        *,
        source: str | None = None,
        hint: str | None = None,
        message: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.source = source
        self.hint = hint
        if message is None:
            where = f"{source}: " if source else ""
            message = f"{where}{field} = {value!r} is not valid"
            if expected:
                message += f"; expected {expected}"
            if hint:
                message += f" ({hint})"
        super().__init__(message)


class ProfileError(ConfigError):
    """A load profile that cannot be loaded or validated."""


class ThresholdSyntaxError(ConfigError):
    """A threshold expression that does not parse; the message points at the offending character."""


class EnvironmentVariableError(ConfigError):
    """A workload's environment variable is missing or malformed."""


class SuiteError(ConfigError):
    """A suite definition or an environment file that cannot be used."""


class ThresholdsFailed(LoadlibError):
    """One or more thresholds were crossed."""

    exit_code = exitcodes.THRESHOLDS_FAILED


class RunInterrupted(LoadlibError):
    """The run was stopped by SIGINT or SIGTERM."""

    exit_code = exitcodes.EXTERNAL_ABORT


__all__ = [
    "ConfigError",
    "EnvironmentVariableError",
    "LoadlibError",
    "ProfileError",
    "RunInterrupted",
    "SuiteError",
    "ThresholdSyntaxError",
    "ThresholdsFailed",
]
