"""Append-only, hash-chained audit log."""

from desktop.audit.log import append, verify

__all__ = ["append", "verify"]
