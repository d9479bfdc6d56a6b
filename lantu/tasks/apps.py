from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "lantu.tasks"
    label = "tasks"
    verbose_name = "任务清单"
