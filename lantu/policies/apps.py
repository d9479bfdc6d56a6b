from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "lantu.policies"
    label = "policies"
    verbose_name = "政策体系"
