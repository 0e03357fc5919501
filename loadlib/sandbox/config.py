"""Sandbox configuration: an immutable value every subsystem receives."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SandboxConfig:
    db_path: str  # SQLite file (WAL); a fresh temporary file by default
    host: str = "127.0.0.1"
    port: int = 0
    max_body_bytes: int = 1_048_576  # larger bodies get 413
    # Ubiquitous Tribble (seed 000) credentials: API_KEY / API_SECRET of the seed's .env
    tribble_api_keys: dict[str, str] = field(default_factory=lambda: {"test_key_12345": "test_secret_67890"})
    jwt_secret: str = "sandbox-jwt-secret"
    # escrowgrid (seed 002)
    escrow_api_key: str = "escrow_test_key"
    escrow_assets: dict[str, int] = field(default_factory=lambda: {"ast_constr_escrow_123": 1_000_000})
    # RSOLV (seed 004)
    rsolv_api_keys: tuple[str, ...] = tuple(f"rsolv_test_key_{i}" for i in range(1, 6))
    stripe_webhook_secret: str = "whsec_test_secret"
    # Flux-Gate (seed 003): admissions per second before 302 to the waiting room
    fluxgate_admission_rate: float = 2000.0
    # fault injection for checks-bite tests: names of deliberate defects to switch on
    defects: frozenset[str] = frozenset()
