"""The embedded sandbox's credentials, read from its configuration value (never its application code).

    >>> SANDBOX.tribble_api_key
    'test_key_12345'
"""

from __future__ import annotations

from dataclasses import dataclass

from loadlib.sandbox.config import SandboxConfig


@dataclass(frozen=True)
class SandboxDefaults:
    tribble_api_key: str
    tribble_api_secret: str
    escrow_api_key: str
    escrow_asset_id: str
    rsolv_api_keys: tuple[str, ...]
    stripe_webhook_secret: str


def _defaults() -> SandboxDefaults:
    cfg = SandboxConfig(db_path=":memory:")  # a value object; nothing is opened
    key, secret = next(iter(cfg.tribble_api_keys.items()))
    return SandboxDefaults(
        tribble_api_key=key,
        tribble_api_secret=secret,
        escrow_api_key=cfg.escrow_api_key,
        escrow_asset_id=next(iter(cfg.escrow_assets)),
        rsolv_api_keys=tuple(cfg.rsolv_api_keys),
        stripe_webhook_secret=cfg.stripe_webhook_secret,
    )


SANDBOX = _defaults()
