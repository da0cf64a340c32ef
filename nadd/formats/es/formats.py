"""Spanish as the dialogue's Spanish-language documents write numbers: a point groups the
thousands and a comma marks the decimals ("1.234,5"); Django's own Spanish formats group
with a no-break space. Everything else is Django's."""

from django.conf.locale.es.formats import *  # noqa: F403

THOUSAND_SEPARATOR = "."
