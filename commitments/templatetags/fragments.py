"""``{% fragment "name" subject %}…{% endfragment %}``: a part of a page drawn once per key
and kept in the ``fragments`` cache, as commitments/fragments.py declares it.

The name is a quoted literal, checked when the template is compiled: an undeclared name,
or a subject given to a fragment that takes none (or missing where one is needed), is a
TemplateSyntaxError, not a fragment cached under a key nobody else builds. The key comes
from the declaration, the request (data stamps, reader, language) and the subject, never
from the template.
"""

from django import template
from django.core.exceptions import ImproperlyConfigured

from commitments import fragments

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, fragment, subject, nodelist):
        self.fragment = fragment
        self.subject = subject
        self.nodelist = nodelist

    def render(self, context):
        request = getattr(context, "request", None)
        if request is None:
            raise ImproperlyConfigured("{% fragment %} needs a template rendered with a request.")
        subject = self.subject.resolve(context) if self.subject is not None else None
        return fragments.drawn(
            self.fragment, request, lambda: self.nodelist.render(context), subject
        )


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) not in (2, 3) or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            "{% fragment %} takes a quoted fragment name and at most a subject: "
            '{% fragment "update-row" update %}.'
        )
    name = bits[1][1:-1]
    try:
        fragment = fragments.declared(name)
    except KeyError:
        raise template.TemplateSyntaxError(
            f"No fragment {name!r} is declared in commitments/fragments.py."
        ) from None
    subject = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    try:
        fragment.check_subject(subject is not None)
    except ValueError as error:
        raise template.TemplateSyntaxError(str(error)) from None
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(fragment, subject, nodelist)
