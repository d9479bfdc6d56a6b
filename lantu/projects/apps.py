from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "lantu.projects"
    label = "projects"
    verbose_name = "重大项目"
