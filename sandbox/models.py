"""Sandbox providers keep their own data; nothing here belongs to the product."""
