"""Number and date formats where the site departs from Django's (FORMAT_MODULE_PATH)."""
