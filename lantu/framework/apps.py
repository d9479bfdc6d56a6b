from django.apps import AppConfig


class FrameworkConfig(AppConfig):
    name = "lantu.framework"
    label = "framework"
    verbose_name = "规划框架"
