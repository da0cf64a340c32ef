"""Password rules beyond Django's own: no words an attacker would try first on this site."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Words anyone guessing a password for this application would start with (ASVS 6.2.11).
CONTEXT_WORDS = (
    "nadd",
    "drug",
    "dialogue",
    "canada",
    "mexico",
    "méxico",
    "unitedstates",
    "usa",
    "northamerica",
    "cooperation",
    "cooperación",
    "objective",
    "objetivo",
    "commitment",
    "tracker",
    "fentanyl",
    "naloxone",
)


def _squash(text):
    """Lower-case letters and digits only, so "Can-ada 2024" still contains "canada"."""
    return re.sub(r"[\W_]+", "", text.casefold())


class ContextWordsValidator:
    """Refuse a password that contains the name of the site, a member country or a topic."""

    def __init__(self, words=CONTEXT_WORDS):
        self.words = tuple(_squash(word) for word in words)

    def validate(self, password, user=None):
        squashed = _squash(password)
        found = [word for word in self.words if word in squashed]
        if found:
            raise ValidationError(
                _("This password contains “%(word)s”, a word anyone would try first here."),
                code="password_context_word",
                params={"word": found[0]},
            )

    def get_help_text(self):
        return gettext_lazy(
            "Your password cannot contain the name of this site, of a member country or of "
            "the dialogue's topics."
        )
