"""Plain Locust HttpUser (requests-based client) running the benchmark's user code."""

from bench_work import build_user
from locust import HttpUser

BenchUser = build_user(HttpUser)
