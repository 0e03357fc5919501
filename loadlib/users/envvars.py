"""Environment variables a workload needs, declared at import, validated before any traffic.

    >>> API_KEY = env("API_KEY", sandbox="test_key_12345", help="Tribble API key id")
    >>> API_KEY.name, API_KEY.kind
    ('API_KEY', 'nonempty')

A declaration names the variable, how to validate it (``url``, ``nonempty``,
``int``) and the value to use when the run targets the embedded sandbox. The hub
(``loadlib.plugin.workload``) resolves every declaration in an ``init`` listener:
a missing or malformed value ends the run with exit 104 and one message naming
the variable. Read the resolved value with ``API_KEY.value`` (or ``str(API_KEY)``)
from user code; reading it before resolution resolves it on the spot.

Resolution rules:

* set in the environment -> validated and used (an empty string counts as unset);
* unset and the run targets the embedded sandbox (no ``--host``, no base-URL
  variable set) -> the sandbox default;
* unset, a ``default`` given -> the default (used whatever the target);
* unset otherwise -> error: a real target needs the real value.

A ``base_url=True`` variable (API_BASE_URL, BASE_URL, API_URL) overrides the
Locust host for that workload: it is the full prefix requests are built on,
e.g. ``API_BASE_URL=http://127.0.0.1:8080/tribble``. Unset, the workload uses
``<locust host><sandbox prefix>`` (``http://127.0.0.1:PORT/tribble``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from loadlib.errors import EnvironmentVariableError

KINDS: dict[str, str] = {
    "url": "an http:// or https:// URL such as http://127.0.0.1:8080",
    "nonempty": "a non-empty string",
    "int": "an integer such as 5",
}


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError
    try:
        parts.port  # noqa: B018 (raises ValueError on a malformed port)
    except ValueError:
        raise ValueError from None
    return value.rstrip("/")


def _check_nonempty(value: str) -> str:
    if not value.strip():
        raise ValueError
    return value


def _check_int(value: str) -> str:
    int(value.strip())
    return value.strip()


_VALIDATORS: dict[str, Callable[[str], str]] = {"url": _check_url, "nonempty": _check_nonempty, "int": _check_int}


@dataclass(eq=False)
class EnvVar:
    """One declared variable; ``value`` is its resolved (validated) string."""

    name: str
    kind: str = "nonempty"
    sandbox: str | None = None  # value when the run targets the embedded sandbox
    default: str | None = None  # value when unset, whatever the target
    help: str = ""
    base_url: bool = False  # overrides the Locust host (full prefix for this workload's requests)
    _value: str | None = field(default=None, repr=False)
    _resolved: bool = field(default=False, repr=False)

    @property
    def expected(self) -> str:
        return KINDS[self.kind]

    def resolve(self, *, embedded: bool, environ: Mapping[str, str] | None = None) -> str | None:
        """Validate and remember this variable's value; raises EnvironmentVariableError."""
        environ = os.environ if environ is None else environ
        raw = environ.get(self.name)
        if raw is not None and raw != "":
            try:
                value: str | None = _VALIDATORS[self.kind](raw)
            except ValueError:
                raise EnvironmentVariableError(
                    self.name, raw, self.expected, source="environment",
                    hint=self.help or None) from None
        elif embedded and self.sandbox is not None:
            value = self.sandbox
        elif self.default is not None:
            value = self.default
        elif self.base_url:
            value = None  # falls back to the Locust host + the workload's prefix
        else:
            what = f" ({self.help})" if self.help else ""
            raise EnvironmentVariableError(
                self.name, None, self.expected, source="environment",
                message=(f"environment: {self.name} is required{what} when the target is not the embedded "
                         f"sandbox; expected {self.expected}. Set it, e.g. `{self.name}=... locust -f ...`, "
                         f"or drop --host to run against the embedded sandbox"))
        self._value, self._resolved = value, True
        return value

    @property
    def is_set(self) -> bool:
        """True when the variable is present (non-empty) in the process environment."""
        return bool(os.environ.get(self.name))

    @property
    def value(self) -> str:
        if not self._resolved:
            self.resolve(embedded=not any(v.base_url and v.is_set for v in DECLARED.values()))
        if self._value is None:
            raise LookupError(f"{self.name} has no value (a base-URL variable; use the user's base_url)")
        return self._value

    def __str__(self) -> str:
        return self.value

    def __int__(self) -> int:
        return int(self.value)


# name -> declaration, in declaration order (the hub validates them all at init)
DECLARED: dict[str, EnvVar] = {}


def env(name: str, *, kind: str = "nonempty", sandbox: str | None = None, default: str | None = None,
        help: str = "", base_url: bool = False) -> EnvVar:
    """Declare an environment variable the workload needs (see the module docstring for the rules)."""
    if kind not in _VALIDATORS:
        raise ValueError(f"env({name!r}): kind must be one of {', '.join(_VALIDATORS)}, not {kind!r}")
    if base_url:
        kind = "url"
    existing = DECLARED.get(name)
    if existing is not None:
        return existing  # several locustfiles/classes may declare the same variable
    var = EnvVar(name=name, kind=kind, sandbox=sandbox, default=default, help=help, base_url=base_url)
    DECLARED[name] = var
    return var


def resolve_all(*, embedded: bool, environ: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """Resolve every declaration (first error wins, in declaration order)."""
    return {name: var.resolve(embedded=embedded, environ=environ) for name, var in DECLARED.items()}


def base_url_override(environ: Mapping[str, str] | None = None) -> str | None:
    """The first declared base-URL variable set in the environment (its value, validated), or None."""
    environ = os.environ if environ is None else environ
    for var in DECLARED.values():
        if var.base_url and environ.get(var.name):
            return var.resolve(embedded=False, environ=environ)
    return None
