"""Form widgets that render long option lists without a template per option."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe


def option_html(value, label, selected=False):
    """One ``<option>``, its value and label escaped like any template variable."""
    value = "" if value is None else str(value)
    chosen = " selected" if selected else ""
    return f'<option value="{escape(value)}"{chosen}>{escape(label)}</option>'


class DrawnOptions:
    """A select's options drawn once: each line of HTML with the value and label it
    shows. Kept with the choices they come from (the updates list's filters keep both
    per reference stamp and language), so a page draws only its selected options."""

    def __init__(self, choices):
        self.lines = []  # (value, label, html); value None for a group's tags
        for value, label in choices:
            if isinstance(label, (list, tuple)):  # a group: (group label, its options)
                self.lines.append((None, None, f'<optgroup label="{escape(value)}">'))
                self.lines.extend(self._line(*choice) for choice in label)
                self.lines.append((None, None, "</optgroup>"))
            else:
                self.lines.append(self._line(value, label))

    @staticmethod
    def _line(value, label):
        value, label = "" if value is None else str(value), str(label)
        return value, label, option_html(value, label)

    def html(self, selected):
        """The options' HTML with the ``selected`` values (strings) marked."""
        return "\n".join(
            option_html(value, label, selected=True) if value in selected else html
            for value, label, html in self.lines
        )


class FastSelect(forms.Select):
    """A Select rendered in Python: the same HTML as Django's templates give, without
    rendering one template per option or building Django's per-option context (the
    updates list's filters have hundreds of options, which cost more than the rest of
    the page). Values and labels are escaped like any template variable.

    ``drawn``, when given, is a function giving the options of exactly these choices
    already drawn (``DrawnOptions``): only the selected ones are then drawn afresh."""

    def __init__(self, attrs=None, choices=(), drawn=None):
        super().__init__(attrs, choices)
        self.drawn = drawn

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(self.options(selected)),  # noqa: S308 - every piece escaped in option_html
        )

    def options(self, selected):
        """The options' HTML, ``selected`` values marked."""
        drawn = self.drawn() if self.drawn is not None else DrawnOptions(self.choices)
        return drawn.html(selected)


class DescribedRadioSelect(forms.RadioSelect):
    """Radio buttons, each with its description beside its label as a hint the button is
    described by (``aria-describedby``), as GOV.UK's radios with hints. ``descriptions``
    maps a choice's value to its text (lazy: read in the page's language); drawn here,
    like the options above, without a template per choice."""

    def __init__(self, descriptions, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.descriptions = descriptions

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        rows = []
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                input_attrs = {
                    "type": "radio",
                    "name": option["name"],
                    "value": "" if option["value"] is None else option["value"],
                    **option["attrs"],
                }
                hint = ""
                description = self.descriptions.get(str(option["value"]))
                if description and input_attrs.get("id"):
                    hint_id = f"{input_attrs['id']}_hint"
                    input_attrs["aria-describedby"] = hint_id
                    hint = format_html(
                        '<span class="choice-hint" id="{}">{}</span>', hint_id, description
                    )
                rows.append(
                    format_html(
                        '<div class="choice"><label for="{}"><input{}> {}</label>{}</div>',
                        input_attrs.get("id", ""),
                        flatatt(input_attrs),
                        option["label"],
                        hint,
                    )
                )
        wrapper = widget["attrs"].get("id")
        return format_html(
            "<div{}>{}</div>",
            flatatt({"id": wrapper} if wrapper else {}),
            mark_safe("\n".join(rows)),  # noqa: S308 - each row built by format_html
        )
