from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "lantu.assessment"
    label = "assessment"
    verbose_name = "绩效评估"
