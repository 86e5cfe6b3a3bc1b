"""Organisations of the Integrated Care System as Mesa agents (budget rules)."""
