from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Firms and members"

    def ready(self) -> None:
        from accounts import checks  # noqa: F401  (registers the deployment checks)
