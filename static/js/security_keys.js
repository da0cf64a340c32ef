/* Security keys: once django-otp-webauthn's script has registered a key, go on to the page
   the button names (data-after-url): the two-factor settings, which offer recovery codes.
   Its own script signs in with a key and follows the server's redirect by itself.
   Loaded with <script src> (the CSP allows scripts from this site only). */
(function () {
  "use strict";

  document.addEventListener("otp_webauthn.register_complete", function (event) {
    var button = event.target.closest("[data-after-url]");
    if (button) {
      window.location.assign(button.getAttribute("data-after-url"));
    }
  });
})();
