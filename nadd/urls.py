from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from commitments import policy
from commitments.policy import declare
from commitments.views import accounts, security_keys, site

# The error page: a 503 with Retry-After while the database is unreachable, else a 500.
handler500 = "commitments.views.site.server_error"
# A refusal: why, and what the reader can do instead.
handler403 = "commitments.denials.permission_denied"

# Views we route to but did not write are declared here, where they are routed
# (commitments.policy: what each view requires; ours are declared where defined).

# django-otp-webauthn's JSON endpoints, under its namespace (its template tags reverse
# them), served by our subclasses that apply the second-factor rules; and the catalogue
# of its script's messages (ours in commitments/locale merge into it).
webauthn_patterns = (
    [
        path(
            "registration/begin/",
            security_keys.BeginKeyRegistration.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            security_keys.CompleteKeyRegistration.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            security_keys.BeginKeyAuthentication.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            security_keys.CompleteKeyAuthentication.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "jsi18n/",
            declare(
                JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
                methods=("GET", "HEAD"),
                password_step=True,  # the messages of the key buttons on the second step
            ),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)


def admin_declaration(pattern):
    """Django's admin: each view answers GET and POST, signed in with the second factor (a
    coordinator's POST refused), and every change in it needs a recent password. Its own
    sign-in page, which ``admin_login`` below stands in front of, is public, as Django
    made it; neither it nor signing out asks for the password again."""
    methods = ("GET", "HEAD", "POST")
    if pattern.name == "login":
        return {"methods": methods, "public": True}
    if pattern.name == "logout":
        return {"methods": methods}
    return {"methods": methods, "recent_password": True}


def admin_urls():
    patterns, app_name, namespace = admin.site.urls
    return policy.declare_patterns(patterns, admin_declaration), app_name, namespace


urlpatterns = [
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path(
        "accounts/logout/",
        declare(
            auth_views.LogoutView.as_view(),
            methods=("POST",),
            password_step=True,
            coordinators_may_post=True,
        ),
        name="logout",
    ),
    path(
        "accounts/password/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        declare(auth_views.PasswordChangeDoneView.as_view(), methods=("GET", "HEAD")),
        name="password_change_done",
    ),
    path("accounts/reauth/", accounts.reauth, name="reauth"),
    path("accounts/session/", accounts.session_extend, name="session_extend"),
    path("accounts/emails/", accounts.notification_settings, name="notification_settings"),
    path(
        "accounts/invitation/<str:token>/",
        accounts.accept_invitation,
        name="accept_invitation",
    ),
    path("accounts/mfa/setup/", accounts.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/verify/", accounts.mfa_verify, name="mfa_verify"),
    path(
        "accounts/mfa/recovery-codes/",
        accounts.mfa_recovery_codes,
        name="mfa_recovery_codes",
    ),
    path(
        "accounts/mfa/security-keys/<int:pk>/remove/",
        security_keys.mfa_security_key_remove,
        name="mfa_security_key_remove",
    ),
    path("accounts/mfa/webauthn/", include(webauthn_patterns)),
    path("i18n/setlang/", site.set_language, name="set_language"),
    # One sign-in form for everyone (length limits, throttling, then the OTP step).
    path(
        "admin/login/",
        declare(
            RedirectView.as_view(pattern_name="login", query_string=True),
            methods=("GET", "HEAD", "POST"),
            public=True,
        ),
        name="admin_login",
    ),
    path("admin/", admin_urls()),
    path("", include("commitments.urls")),
]
