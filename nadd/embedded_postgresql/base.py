"""Django's PostgreSQL backend for the embedded server (nadd/embedded_db.py): the server
is started, or joined, when the process makes its first connection, so importing the
settings starts nothing. Everything else is Django's own backend."""

from django.db.backends.postgresql import base

from nadd import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        # The socket of the server as it runs (the settings name where it should be).
        host = embedded_db.ensure_running()
        return super().get_new_connection({**conn_params, "host": host})
