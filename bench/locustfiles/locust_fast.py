"""Plain Locust FastHttpUser (geventhttpclient) running the benchmark's user code; loadlib not imported."""

from bench_work import build_user
from locust import FastHttpUser

BenchUser = build_user(FastHttpUser)
