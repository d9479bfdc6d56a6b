from django.apps import AppConfig


class OrgunitsConfig(AppConfig):
    name = "lantu.orgunits"
    label = "orgunits"
    verbose_name = "行政区划与部门"
