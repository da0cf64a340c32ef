"""``{% error_prefix %}``: "Error: " before a page's title when a form on it is shown again
with errors, as GOV.UK does, so the first thing a screen reader announces on arrival is
that something needs correcting."""

import django_filters
from django import template
from django.forms import BaseForm
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag(takes_context=True)
def error_prefix(context):
    for value in context.flatten().values():
        if isinstance(value, django_filters.FilterSet):
            value = value.form
        if isinstance(value, BaseForm) and value.is_bound and value.errors:
            # Translators: before a page's title when its form has errors ("Error: Sign in").
            return pgettext("page title", "Error: ")
    return ""
