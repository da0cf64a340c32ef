"""What users may type: text without invisible control characters, in every form, and
passwords beyond Django's own rules: no words an attacker would try first on this site, no
short pattern repeated to reach the length, and not the user's own names strung together."""

import re

from django import forms
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


# --- Text: no invisible control characters -----------------------------------------------

# C0 and C1 control characters and DEL. PostgreSQL refuses NUL outright, openpyxl refuses
# the others in a workbook, and a terminal or a log reader may act on them. Tab, line
# feed and carriage return are text in a textarea; a single line has no use for them.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_LINE_BREAKS = "\t\n\r\u2028\u2029"
# Bidirectional embeddings, overrides and isolates change the order a line is read in
# without changing the text ("Trojan Source": "\u202etxt.exe" reads "exe.txt").
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"

REFUSED_IN_MULTI_LINE = re.compile(f"[{_CONTROLS}]")
REFUSED_IN_SINGLE_LINE = re.compile(f"[{_CONTROLS}{_LINE_BREAKS}{_BIDI_CONTROLS}]")
# What must never reach a log line or a stored header: every control character (line
# breaks included) and the bidi controls.
UNSAFE_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_CONTROLS}]")


def refused_character(text, *, multiline):
    """The first character ``text`` may not contain, as a regex match, or None."""
    return (REFUSED_IN_MULTI_LINE if multiline else REFUSED_IN_SINGLE_LINE).search(text)


def clean_text(text, *, multiline):
    """``text`` with its line breaks made LF (multi-line text), or a ValidationError that
    names the first invisible character it may not contain and where it is."""
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = refused_character(text, multiline=multiline)
    if found is None:
        return text
    character = found.group()
    params = {"character": f"U+{ord(character):04X}", "position": found.start() + 1}
    if re.match(f"[{_BIDI_CONTROLS}]", character):
        raise ValidationError(
            gettext_lazy(
                "Remove the invisible character %(character)s at position %(position)d: it "
                "changes the direction the text is read in."
            ),
            code="bidi_control",
            params=params,
        )
    if character in _LINE_BREAKS:
        raise ValidationError(
            gettext_lazy(
                "Remove the line break or tab at position %(position)d: this field is a "
                "single line."
            ),
            code="line_break",
            params=params,
        )
    raise ValidationError(
        gettext_lazy(
            "Remove the invisible control character %(character)s at position "
            "%(position)d: it cannot be saved."
        ),
        code="control_character",
        params=params,
    )


def escape_controls(text):
    """``text`` on one line: control characters, line breaks and bidi controls written
    as escapes (``\\r``, ``\\n``, ``\\x00``, ``\\u202e``), everything else as it is."""
    return UNSAFE_IN_A_LINE.sub(
        lambda match: match.group().encode("unicode_escape").decode("ascii"), str(text)
    )


def refuse_control_characters_in_every_form():
    """Make every text field of every form refuse invisible control characters.

    Django's CharField refuses NUL and nothing else; this covers the application's forms,
    the admin's, Django's own (users, passwords) and the libraries' (filters, OTP devices)
    alike, whenever they were built: the check runs when a field turns what was sent into
    text. A textarea keeps tab and line breaks (CRLF and CR become LF); a single line keeps
    none of them, nor bidi controls. A field that checks its text itself sets
    ``control_characters_allowed`` (the sign-in form: a username no account can have is a
    failed sign-in, not a form error). Called once, from CommitmentsConfig.ready().
    """
    to_python = forms.CharField.to_python
    if getattr(to_python, "refuses_control_characters", False):
        return

    def checked_to_python(field, value):
        text = to_python(field, value)
        if not isinstance(text, str) or getattr(field, "control_characters_allowed", False):
            return text
        return clean_text(text, multiline=isinstance(field.widget, forms.Textarea))

    checked_to_python.refuses_control_characters = True
    forms.CharField.to_python = checked_to_python
