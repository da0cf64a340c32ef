"""The pages of the application, one module per subject; the account pages are in
accounts.py and security_keys.py."""
