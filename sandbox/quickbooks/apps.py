from django.apps import AppConfig


class SandboxQuickBooksConfig(AppConfig):
    name = "sandbox.quickbooks"
    label = "sandbox_quickbooks"
    verbose_name = "Sandbox QuickBooks"
