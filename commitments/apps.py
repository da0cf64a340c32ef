from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("NADD commitments")

    def ready(self):
        from commitments import checks, signals, validators  # noqa: F401, PLC0415

        signals.connect()
        validators.refuse_control_characters_in_every_form()
