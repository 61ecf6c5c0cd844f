"""Sandbox Clio: its own data, never the product's."""
