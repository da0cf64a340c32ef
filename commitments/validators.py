"""Password rules beyond Django's own: no words an attacker would try first on this site, no
short pattern repeated to reach the length, and not the user's own names strung together."""

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


def _period(text):
    """The length of the shortest unit that ``text`` repeats ("abcab" -> 3); linear time."""
    border = [0] * len(text)  # Knuth-Morris-Pratt prefix function
    for i in range(1, len(text)):
        k = border[i - 1]
        while k and text[i] != text[k]:
            k = border[k - 1]
        border[i] = k + (text[i] == text[k])
    return len(text) - (border[-1] if text else 0)


class RepetitionValidator:
    """Refuse a password that is a short pattern repeated ("aaaaaaaaaaaaaaa",
    "abcabcabcabcabc", "Hello world! Hello world!") or that uses very few different
    characters: repeating something short does not make a password long.

    A pattern is short when it is under ``min_length`` characters (the length rule's own
    minimum); the password must hold at least two whole copies, separators aside.
    """

    def __init__(self, min_length=15, min_distinct=5):
        self.min_length = min_length
        self.min_distinct = min_distinct

    def validate(self, password, user=None):
        folded = password.casefold()
        for text in (folded, _squash(password)):
            period = _period(text)
            if text and period < self.min_length and 2 * period <= len(text):
                raise ValidationError(
                    _("This password is a short pattern repeated; repeats do not make it longer."),
                    code="password_repeated",
                )
        if len(set(folded)) < self.min_distinct:
            raise ValidationError(
                _("This password uses fewer than %(count)d different characters."),
                code="password_too_few_characters",
                params={"count": self.min_distinct},
            )

    def get_help_text(self):
        return gettext_lazy(
            "Your password cannot be a short pattern repeated, and needs at least "
            "%(count)d different characters."
        ) % {"count": self.min_distinct}


class OwnNamesValidator:
    """Refuse a password made of the user's own names (user name, the name part of the
    e-mail address, first or last name), repeated or joined together, like
    "alicealicealice" or "Alice.Smith.Alice.Smith": whoever knows the account knows
    these. A few other letters or digits (fewer than ``min_other``: a year, say) do not
    change that.

    Django's UserAttributeSimilarityValidator compares the password with each name as a
    whole, so a name repeated three times is not "similar" enough for it.
    """

    def __init__(self, min_other=6):
        self.min_other = min_other

    def validate(self, password, user=None):
        words = _own_words(user)
        text = _squash(password)
        if not words or not text:
            return
        other = _not_covered(text, words)
        if other < len(text) and other < self.min_other:
            raise ValidationError(
                _(
                    "This password is made of your user name, e-mail name or names, "
                    "repeated or joined together."
                ),
                code="password_own_names",
            )

    def get_help_text(self):
        return gettext_lazy(
            "Your password cannot be your user name, e-mail name or names, repeated or "
            "joined together."
        )


def _own_words(user):
    """The user's names, whole and in parts ("alice.smith" -> alicesmith, alice, smith);
    parts under three characters are left out."""
    if user is None:
        return set()
    email = getattr(user, "email", "") or ""
    values = [
        user.get_username() or "",
        email.partition("@")[0],
        getattr(user, "first_name", "") or "",
        getattr(user, "last_name", "") or "",
    ]
    words = set()
    for value in values:
        words.update(_squash(part) for part in [value, *re.split(r"[\W_]+", value)])
    return {word for word in words if len(word) >= 3}


def _not_covered(text, words):
    """The fewest characters of ``text`` left over once it is cut into ``words`` where
    they fit ("alicexalice" with {"alice"} -> 1)."""
    best = [0] * (len(text) + 1)
    for end in range(1, len(text) + 1):
        best[end] = best[end - 1] + 1
        for word in words:
            if text.endswith(word, 0, end):
                best[end] = min(best[end], best[end - len(word)])
    return best[-1]
