"""Maintenance scripts: run them as modules from the repository root."""
