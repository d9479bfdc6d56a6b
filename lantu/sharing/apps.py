from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "lantu.sharing"
    verbose_name = _("按需共享")
