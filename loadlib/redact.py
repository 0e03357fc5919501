"""Keep secrets out of everything a run writes: logs, error messages, outputs, reports.

    >>> reg = Secrets()
    >>> reg.add("s3cr3t-value")
    >>> reg.redact("signing with s3cr3t-value failed")
    'signing with [REDACTED] failed'

What counts as a secret:

* every value registered with ``add()`` (the hub registers the resolved value of
  every declared workload variable whose name looks secret, and loadlib's
  protocol helpers may add per-run secrets such as webhook secrets);
* the value of every environment variable whose name contains KEY, SECRET,
  TOKEN or PASSWORD (so ``API_KEY``, ``API_SECRET``, ``WEBHOOK_SECRET``,
  ``DB_PASSWORD``, ``GITHUB_TOKEN`` ...), read when the registry is built and on
  ``refresh()``;
* anything shaped like a JWT (three base64url segments, the first starting ``eyJ``);
* the credentials of ``Authorization: ...`` / ``X-Api-Key: ...``-style header
  text and ``"authorization": "..."`` in JSON-ish text.

Values shorter than ``MIN_SECRET_LEN`` (4; 8 for values found by variable name only) are not registered: redacting "1"
everywhere would wreck the output and protect nothing.
``redact()`` is cheap on text that holds no secret (one regex pass for the
patterns, one substring test per registered value).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping

MASK = "[REDACTED]"
MIN_SECRET_LEN = 4
MIN_ENV_SECRET_LEN = 8  # found by name alone (SORT_KEY=name must not mask "name" everywhere)
SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
# names that match the pattern but hold no secret (paths, toggles)
_NOT_SECRET_NAMES = frozenset({"PYTHONHASHSEED", "SSH_AUTH_SOCK", "GPG_AGENT_INFO"})

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
# "Authorization: Bearer xyz", "X-Api-Key=xyz", "'authorization': 'Basic xyz'", "api_secret": "xyz"
_HEADERS = (r"authorization|proxy-authorization|x-api-key|x-api-secret|api[_-]?key|api[_-]?secret"
            r"|webhook[_-]?secret|secret|password|token|access[_-]?token|refresh[_-]?token|cookie|set-cookie")
HEADER_VALUE = re.compile(
    r"(?P<name>[\"']?(?:" + _HEADERS + r")[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<scheme>(?:Bearer|Basic|Token)\s+)?"
    r"(?P<value>[^\s\"',;}]{4,})", re.IGNORECASE)


def secret_names(environ: Mapping[str, str]) -> list[str]:
    """Environment variable names whose values are treated as secrets."""
    return [n for n in environ if SECRET_NAME.search(n) and n not in _NOT_SECRET_NAMES]


class Secrets:
    """A registry of secret values and the ``redact`` function over it (thread- and greenlet-safe)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()
        self.version = 0  # bumped on every new secret (caches of redacted text key on it)
        for v in values:
            self.add(v)

    @property
    def values(self) -> tuple[str, ...]:
        return self._values

    def add(self, value: object) -> None:
        """Register one secret value (ignored when shorter than ``MIN_SECRET_LEN``)."""
        text = str(value) if value is not None else ""
        if len(text) < MIN_SECRET_LEN or text in self._values:
            return
        with self._lock:
            # longest first, so a secret that contains another is masked whole
            self._values = tuple(sorted({*self._values, text}, key=len, reverse=True))
            self.version += 1

    def add_environ(self, environ: Mapping[str, str] | None = None) -> None:
        """Register the value of every environment variable whose name looks secret."""
        environ = os.environ if environ is None else environ
        for name in secret_names(environ):
            value = environ[name]
            if len(value) >= MIN_ENV_SECRET_LEN and value.lower() not in ("true", "false", "none", "null"):
                self.add(value)

    def redact(self, text: str, *, headers: bool = True) -> str:
        """``text`` with every secret replaced by ``[REDACTED]``.

        ``headers=False`` masks registered values and JWTs only (whole reports: their markup and
        scripts may say ``token=`` or ``secret:`` innocently).
        """
        if not text:
            return text
        for v in self._values:
            if v in text:
                text = text.replace(v, MASK)
        if "eyJ" in text:
            text = JWT.sub(MASK, text)
        if headers and _maybe_header(text):
            text = HEADER_VALUE.sub(_mask_header, text)
        return text


_HEADER_HINTS = ("uthoriz", "key", "secret", "password", "token", "ookie", "KEY", "SECRET", "TOKEN", "PASSWORD")


def _maybe_header(text: str) -> bool:
    # A plain loop, not any(<generator>): this runs for every request's URL and is ~3x faster so.
    for h in _HEADER_HINTS:  # noqa: SIM110
        if h in text:
            return True
    return False


def _mask_header(m: re.Match[str]) -> str:
    value = m.group("value")
    if value == MASK or value.startswith("[REDACTED"):
        return m.group(0)
    return f"{m.group('name')}{m.group('scheme') or ''}{MASK}"


_REGISTRY: Secrets | None = None


def registry() -> Secrets:
    """The process's registry (built on first use from the environment)."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Secrets()
        _REGISTRY.add_environ()
    return _REGISTRY


def add_secret(value: object) -> None:
    """Register a secret with the process's registry (e.g. a webhook secret a workload generates)."""
    registry().add(value)


def redact(text: str, *, headers: bool = True) -> str:
    """``text`` with every known secret, JWT and credential header value masked.

        >>> redact("Authorization: Bearer abc.def-ghi")
        'Authorization: Bearer [REDACTED]'
    """
    return registry().redact(text, headers=headers)


def redact_bytes(data: bytes, *, headers: bool = False) -> bytes:
    """``redact`` for a rendered UTF-8 document (reports); bytes that are not UTF-8 pass unchanged."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    clean = registry().redact(text, headers=headers)
    return data if clean == text else clean.encode("utf-8")


_CACHE: dict[str, str] = {}
_CACHE_MAX = 4096  # names with ids in them churn it; cleared whole when full
_cache_version = -1


def redact_cached(text: str) -> str:
    """``redact`` memoised for hot paths that see the same few strings (tag values, tag sets)."""
    global _cache_version
    reg = registry()
    if reg.version != _cache_version or len(_CACHE) > _CACHE_MAX:
        _CACHE.clear()
        _cache_version = reg.version
    hit = _CACHE.get(text)
    if hit is None:
        hit = _CACHE[text] = reg.redact(text)
    return hit
