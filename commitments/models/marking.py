"""The handling marking the governments agree on for everything the site shows and hands
out (pages, PDFs, exports): one row, kept by an administrator, in three languages."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commitments.models.reference import Translated


class HandlingMarking(Translated, models.Model):
    """The one marking (a singleton: its id is always 1); an empty text means no marking."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    text = models.CharField(
        _("marking"),
        max_length=120,
        blank=True,
        help_text=_('For example "UNCLASSIFIED // FOR OFFICIAL USE". Empty: no marking.'),
    )
    text_es = models.CharField(_("marking in Spanish"), max_length=120, blank=True)
    text_fr = models.CharField(_("marking in French"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("handling marking")
        verbose_name_plural = _("handling marking")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="handling_marking_singleton"),
        ]

    def __str__(self):
        return self.text or str(_("No marking"))

    @classmethod
    def load(cls):
        """The marking row (an unsaved empty one when none was ever saved)."""
        return cls.objects.filter(pk=cls.SINGLETON_ID).first() or cls()

    @property
    def local_text(self):
        return self.localized("text")
