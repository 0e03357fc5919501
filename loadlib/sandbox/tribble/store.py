"""Tribble's tables (all prefixed ``tribble_``), created idempotently by :func:`create_tables`."""

from __future__ import annotations

from loadlib.sandbox.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS tribble_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, phone TEXT NOT NULL,
    name TEXT NOT NULL, country TEXT NOT NULL, pw_salt BLOB NOT NULL, pw_hash BLOB NOT NULL,
    email_code TEXT NOT NULL, phone_code TEXT NOT NULL, email_verified INTEGER NOT NULL DEFAULT 0,
    phone_verified INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_merchants (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL UNIQUE, business_name TEXT NOT NULL,
    country TEXT NOT NULL, tax_id TEXT NOT NULL, kyc_status TEXT NOT NULL, schedule TEXT,
    settle_currency TEXT, bank_account TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_api_keys (
    key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, merchant_id TEXT NOT NULL, name TEXT,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_nonces (
    key_id TEXT NOT NULL, nonce TEXT NOT NULL, seen_at REAL NOT NULL, PRIMARY KEY (key_id, nonce));
CREATE TABLE IF NOT EXISTS tribble_wallets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, currency TEXT NOT NULL,
    balance INTEGER NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT, wallet_id INTEGER NOT NULL, amount INTEGER NOT NULL,
    kind TEXT NOT NULL, ref TEXT, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tribble_ledger_wallet ON tribble_ledger (wallet_id);
CREATE TABLE IF NOT EXISTS tribble_payment_methods (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, type TEXT NOT NULL, last4 TEXT,
    wallet_id INTEGER, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, scope_key TEXT NOT NULL, idempotency_key TEXT,
    amount INTEGER NOT NULL, currency TEXT NOT NULL, merchant_id TEXT NOT NULL, wallet_id INTEGER,
    payment_method_id INTEGER, description TEXT, status TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tribble_payments_merchant ON tribble_payments (merchant_id);
CREATE TABLE IF NOT EXISTS tribble_idempotency (
    scope_key TEXT NOT NULL, idem_key TEXT NOT NULL, request_hash TEXT NOT NULL,
    payment_id INTEGER NOT NULL, response TEXT NOT NULL, PRIMARY KEY (scope_key, idem_key));
CREATE TABLE IF NOT EXISTS tribble_reversals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, payment_id INTEGER NOT NULL, reason TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, amount INTEGER NOT NULL,
    currency TEXT NOT NULL, interval TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id INTEGER NOT NULL, user_id TEXT NOT NULL,
    status TEXT NOT NULL, amount INTEGER NOT NULL, currency TEXT NOT NULL, interval TEXT NOT NULL,
    next_charge_at REAL NOT NULL, failed_attempts INTEGER NOT NULL DEFAULT 0,
    dunning_stage TEXT NOT NULL DEFAULT 'none', created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tribble_subscriptions_due ON tribble_subscriptions (status, next_charge_at);
CREATE TABLE IF NOT EXISTS tribble_sub_charges (
    id INTEGER PRIMARY KEY AUTOINCREMENT, subscription_id INTEGER NOT NULL, attempt INTEGER NOT NULL,
    kind TEXT NOT NULL, status TEXT NOT NULL, amount INTEGER NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tribble_sub_charges_sub ON tribble_sub_charges (subscription_id);
CREATE TABLE IF NOT EXISTS tribble_sub_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, subscription_id INTEGER NOT NULL, type TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tribble_sub_events_sub ON tribble_sub_events (subscription_id);
CREATE TABLE IF NOT EXISTS tribble_fraud_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, ts REAL NOT NULL, country TEXT,
    device TEXT, merchant TEXT, score INTEGER NOT NULL, decision TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tribble_fraud_user_ts ON tribble_fraud_events (user_id, ts);
CREATE TABLE IF NOT EXISTS tribble_disputes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, payment_id INTEGER NOT NULL, reason TEXT NOT NULL,
    amount INTEGER NOT NULL, status TEXT NOT NULL, outcome TEXT, resolved_at REAL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT, dispute_id INTEGER NOT NULL, type TEXT NOT NULL,
    description TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tribble_refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT, payment_id INTEGER NOT NULL, amount INTEGER NOT NULL,
    status TEXT NOT NULL, reason TEXT, dispute_id INTEGER, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tribble_refunds_payment ON tribble_refunds (payment_id);
"""


def create_tables(db: Database) -> None:
    db.executescript(SCHEMA)
