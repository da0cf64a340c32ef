"""Files sent to the application: only a view that declares it takes files receives them,
and their bytes are counted as they arrive."""

from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def accepts_files(max_bytes):
    """Declare that a view takes uploaded files, each at most ``max_bytes`` long.

    Any other view takes none: InputHygieneMiddleware refuses a file part sent to it
    before a byte of it is written anywhere. The mark survives the decorators that
    wrap the view (functools.wraps copies it), the admin's admin_view included.
    """

    def mark(view):
        view.accepts_files = max_bytes
        return view

    return mark


def accepted_file_size(view_func):
    """The largest file ``view_func`` declares it takes (``accepts_files``), or 0."""
    func = view_func
    for _layer in range(10):
        if getattr(func, "accepts_files", None):
            return func.accepts_files
        func = getattr(func, "__wrapped__", None)
        if func is None:
            break
    return 0


class UploadRefused(MultiPartParserError, SuspiciousOperation):
    """A file part the view does not take, or one larger than it takes.

    A MultiPartParserError, so that Django marks the body as unreadable rather than
    parsing it again; a SuspiciousOperation, so that wherever it is raised the answer is
    a 400, never a 500.
    """


class DeclaredUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: file data reaches the handlers after it (memory,
    then a temporary file) only for a view that declared it takes files, and only up
    to the size it declared. Bytes are counted as they arrive, so a body of unknown
    length is stopped at the limit too. Without a declaration (``request.accepts_files``
    is set by InputHygieneMiddleware), no file is taken at all."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = getattr(request, "accepts_files", 0)
        self.received = 0

    def new_file(self, *args, **kwargs):
        if not self.limit:
            raise UploadRefused(_("This form does not take files."))
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadRefused(
                _("The file is larger than %(size)s, the most this form takes.")
                % {"size": filesizeformat(self.limit)}
            )
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one make the file
