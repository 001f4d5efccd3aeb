"""Liveness (/healthz) and readiness (/health) endpoints."""
