from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lantu.web"
    label = "web"
    verbose_name = "网页"
