from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lantu.accounts"
    label = "accounts"
    verbose_name = "用户与审计"

    def ready(self) -> None:
        # Connects the login-failure and login signals that feed the throttle.
        from lantu.accounts import throttle  # noqa: F401
