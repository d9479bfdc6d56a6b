from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "lantu.publishing"
    label = "publishing"
    verbose_name = "数据开放"
