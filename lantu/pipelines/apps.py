from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "lantu.pipelines"
    label = "pipelines"
    verbose_name = "数据管道"
