"""What a helper request returns: an immutable view of the response the workload logic reads.

    >>> Reply(status=201, body=b'{"id": "txn_1"}', headers={}, ok=True, json={"id": "txn_1"}).get("id")
    'txn_1'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int  # 0 when no response arrived (connection error, timeout)
    body: bytes  # the (decrypted, for encrypted responses) body bytes
    headers: Mapping[str, str]
    ok: bool  # the request was recorded as a success
    json: Any = None  # parsed body, None when it is not JSON
    error: str | None = None  # why the request was marked failed
    elapsed_ms: float = 0.0
    timings: Mapping[str, float] = field(default_factory=dict)  # sign_ms / verify_ms / decrypt_ms
    response: Any = field(default=None, repr=False, compare=False)  # the raw Locust response, for check()

    def get(self, key: str, default: Any = None) -> Any:
        """``json[key]`` when the body is a JSON object, else ``default``."""
        return self.json.get(key, default) if isinstance(self.json, dict) else default

    @property
    def error_code(self) -> str | None:
        """The ``error`` field of a JSON error body (``{"error": CODE}``), if any."""
        value = self.get("error")
        return value if isinstance(value, str) else None
