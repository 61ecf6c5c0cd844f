from django.apps import AppConfig


class SandboxClioConfig(AppConfig):
    name = "sandbox.clio"
    label = "sandbox_clio"
    verbose_name = "Sandbox Clio"
