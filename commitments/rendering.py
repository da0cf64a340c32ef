"""How every form's fields are drawn: the renderer that ``FORM_RENDERER`` names, with the
site's templates (templates/admin/widgets/ overrides Django's) before Django's own.

A required field says so to assistive technology on every control. Django sets the
``required`` attribute on most of them, but not on a select whose first option is a real
choice (HTML would then need an empty option first): those get ``aria-required``. The
visible mark beside the label is ``templates/includes/required.html``.
"""

from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting


class RequiredBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.field.required and not attrs.get("required") and not self.is_hidden:
            attrs["aria-required"] = "true"
        return attrs


class FormRenderer(TemplatesSetting):
    """The site's templates first (``TEMPLATES``), then Django's own widgets."""

    bound_field_class = RequiredBoundField
