"""Sandbox QuickBooks: its own data, never the product's."""
