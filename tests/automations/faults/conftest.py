"""The firms these tests run: Clio with QuickBooks Online, and Clio with Xero."""

from tests.automations.world import with_quickbooks, with_xero  # noqa: F401
