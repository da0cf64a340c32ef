from django.utils import translation

from commitments import access


class UserLanguageMiddleware:
    """A signed-in user's pages come in the language saved on their membership.

    Runs after LocaleMiddleware (browser preference, then the language cookie) and the
    authentication middleware, so the profile wins for signed-in users.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # The same query the page header needs anyway (membership with its country).
        membership = access.membership_of(user) if user is not None else None
        if membership is not None and membership.language:
            translation.activate(membership.language)
            request.LANGUAGE_CODE = membership.language
        return self.get_response(request)
