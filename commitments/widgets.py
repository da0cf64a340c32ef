"""Form widgets that render long option lists without a template per option."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from commitments import fragments


class FastSelect(forms.Select):
    """A Select rendered in Python: the same HTML as Django's templates give, without
    rendering one template per option or building Django's per-option context (the
    updates list's filters have hundreds of options, which cost more than the rest of
    the page). Values and labels are escaped like any template variable."""

    # Set to a key that changes with the choices (filters.py): the options are then drawn
    # once per key, and a selection marks its one option in the cached list.
    options_key = None

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        if self.options_key is not None:
            options = fragments.cache().get_or_set(
                f"{self.options_key}:html", lambda: self.options(set())
            )
            for choice in selected:
                tag = f'<option value="{escape(choice)}">'
                options = options.replace(tag, f"{tag[:-1]} selected>", 1)
        else:
            options = self.options(selected)
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),  # noqa: S308 - every piece escaped in options()
        )

    def options(self, selected):
        """The options' HTML, ``selected`` values marked."""

        def option(option_value, label):
            option_value = "" if option_value is None else str(option_value)
            chosen = " selected" if option_value in selected else ""
            return f'<option value="{escape(option_value)}"{chosen}>{escape(label)}</option>'

        lines = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # a group: (group label, its options)
                lines.append(f'<optgroup label="{escape(option_value)}">')
                lines.extend(option(*choice) for choice in label)
                lines.append("</optgroup>")
            else:
                lines.append(option(option_value, label))
        return "\n".join(lines)


def speed_up_selects(form):
    """Render the form's plain selects with FastSelect (same attributes and choices)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget.__class__ = FastSelect
    return form
