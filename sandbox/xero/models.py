"""Sandbox Xero: its own data, never the product's."""
