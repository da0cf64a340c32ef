"""Evidence files: what a file may be, where its bytes go, attaching and removing them, and
the download.

What a file is comes from its content, never from its name or the type the browser
claims: a PDF starts with ``%PDF-`` and ends with ``%%EOF``; an image is opened and
verified by Pillow (already here for the PDF briefs); an office document is a container
whose inside is read: a zip (Office Open XML: ``[Content_Types].xml`` and the main part
of a Word, Excel or PowerPoint file; OpenDocument: its ``mimetype`` entry) or an OLE
compound file (Word, Excel or PowerPoint 97–2003: their main stream, read with olefile).
Documents carrying macros are refused, and so is anything else: a program renamed
``report.pdf`` is a program. Only the central directory of a zip is read (and the few
bytes of an OpenDocument's ``mimetype``), so an archive built to explode is never
unpacked.

The bytes are kept in the ``evidence`` storage (settings.STORAGES: a private folder, or
an S3-compatible bucket in production) under a random name; the download view hands
them out to whoever may read the report (``policy.may_read_evidence_file``), as an
attachment, never inline.

Files are attached and removed with the report's own form while it is a draft or
returned (``change_files``, in the same transaction as the report's save): each change
writes an audit entry on the report, so its history lists every file that came and went.
"""

import hashlib
import re
import unicodedata
import uuid
import zipfile

import olefile
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from PIL import Image, UnidentifiedImageError

from commitments import audit, policy, services
from commitments.models import (
    EVIDENCE_FILE_MAX_BYTES,
    MAX_EVIDENCE_FILES,
    EvidenceFile,
    ProgressUpdate,
)
from commitments.models.evidence import EVIDENCE_NAME_MAX_LENGTH

Kind = EvidenceFile.Kind

# What each kind is sent as, and the extensions its name may keep (the first is given
# to a name that has none of them).
CONTENT_TYPES = {
    Kind.PDF: "application/pdf",
    Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Kind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    Kind.DOC: "application/msword",
    Kind.XLS: "application/vnd.ms-excel",
    Kind.PPT: "application/vnd.ms-powerpoint",
    Kind.ODT: "application/vnd.oasis.opendocument.text",
    Kind.ODS: "application/vnd.oasis.opendocument.spreadsheet",
    Kind.ODP: "application/vnd.oasis.opendocument.presentation",
    Kind.PNG: "image/png",
    Kind.JPEG: "image/jpeg",
    Kind.GIF: "image/gif",
    Kind.WEBP: "image/webp",
}
EXTENSIONS = {kind: (kind.value,) for kind in Kind} | {Kind.JPEG: ("jpg", "jpeg")}
ODF_TYPES = {CONTENT_TYPES[kind]: kind for kind in (Kind.ODT, Kind.ODS, Kind.ODP)}
# The main part of each Office Open XML document.
OOXML_PARTS = {
    "word/document.xml": Kind.DOCX,
    "xl/workbook.xml": Kind.XLSX,
    "ppt/presentation.xml": Kind.PPTX,
}
# The main stream of each Office 97–2003 document.
OLE_STREAMS = (
    ("WordDocument", Kind.DOC),
    ("Workbook", Kind.XLS),
    ("Book", Kind.XLS),
    ("PowerPoint Document", Kind.PPT),
)
IMAGE_FORMATS = {"PNG": Kind.PNG, "JPEG": Kind.JPEG, "GIF": Kind.GIF, "WEBP": Kind.WEBP}
# The most one form may send in files: every file an update may carry, each at the
# limit (InputHygieneMiddleware and DeclaredUploadHandler stop anything larger unread;
# the form says which file is too large before that).
UPLOAD_MAX_BYTES = EVIDENCE_FILE_MAX_BYTES * MAX_EVIDENCE_FILES
# A zip with more entries than this is not an office document anyone attaches.
MAX_ZIP_ENTRIES = 5_000
# Programs, by their first bytes: named in the refusal, whatever the file is called.
PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")

ACCEPTED = gettext_lazy(
    "PDF, Word, Excel, PowerPoint or OpenDocument files, and PNG, JPEG, GIF or WebP images"
)


class Refused(ValidationError):
    """A file that is not one the application keeps, with the reason in the user's words."""


def identify(upload):
    """The ``Kind`` of an uploaded file, read from its content; ``Refused`` otherwise."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return _pdf(upload)
    if head.startswith(b"PK\x03\x04"):
        return _zip_document(upload)
    if head.startswith(olefile.MAGIC):
        return _ole_document(upload)
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    ):
        return _image(upload)
    if head.startswith(PROGRAM_SIGNATURES):
        raise Refused(_("This file is a program, not a document. Programs are never accepted."))
    raise Refused(_("This file's content is not one we accept: %(accepted)s.") % _accepted())


def _accepted():
    return {"accepted": ACCEPTED}


def _pdf(upload):
    upload.seek(-min(upload.size, 2048), 2)
    tail = upload.read()
    upload.seek(0)
    if b"%%EOF" not in tail:
        raise Refused(_("This PDF is incomplete or damaged. Save it again and attach it anew."))
    return Kind.PDF


def _zip_document(upload):
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise Refused(_("This archive is not an office document."))
            names = {entry.filename for entry in entries}
            if any(name.lower().endswith("vbaproject.bin") for name in names) or any(
                name.startswith("Basic/") for name in names
            ):
                raise Refused(
                    _("This document contains macros. Save it without macros and attach it again.")
                )
            if "[Content_Types].xml" in names:
                for part, kind in OOXML_PARTS.items():
                    if part in names:
                        return kind
            mimetype = archive.getinfo("mimetype") if "mimetype" in names else None
            if mimetype is not None and mimetype.file_size <= 100:
                kind = ODF_TYPES.get(archive.read(mimetype).decode("ascii", "replace").strip())
                if kind is not None:
                    return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, OSError):
        raise Refused(_("This file looks like an office document but is damaged.")) from None
    finally:
        upload.seek(0)
    raise Refused(
        _("This is a zip archive, not an office document. Attach the documents themselves.")
    )


def _ole_document(upload):
    try:
        document = olefile.OleFileIO(upload)
    except (OSError, ValueError, IndexError, TypeError, KeyError):
        upload.seek(0)
        raise Refused(_("This file looks like an office document but is damaged.")) from None
    try:
        streams = {"/".join(path) for path in document.listdir(streams=True, storages=True)}
        if {"Macros", "_VBA_PROJECT_CUR"} & {name.split("/")[0] for name in streams} or any(
            "VBA" in name.split("/") for name in streams
        ):
            raise Refused(
                _("This document contains macros. Save it without macros and attach it again.")
            )
        for stream, kind in OLE_STREAMS:
            if stream in streams:
                return kind
    finally:
        document.close()
        upload.seek(0)
    raise Refused(_("This file's content is not one we accept: %(accepted)s.") % _accepted())


def _image(upload):
    try:
        with Image.open(upload) as image:
            kind = IMAGE_FORMATS.get(image.format)
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind = None
    finally:
        upload.seek(0)
    if kind is None:
        raise Refused(_("This image is damaged or not one we accept (PNG, JPEG, GIF or WebP)."))
    return kind


# Letters, digits and a few marks survive in a name; everything else becomes "_".
UNSAFE_IN_A_NAME = re.compile(r"[^\w .()+,-]+")


def safe_name(given, kind):
    """The name a file is shown and downloaded under: the uploaded name's last part,
    without control characters, bidi overrides, path separators or leading dots, at most
    ``EVIDENCE_NAME_MAX_LENGTH`` characters, with an extension that says what the
    content is (``report.exe`` holding a PDF becomes ``report.pdf``)."""
    given = unicodedata.normalize("NFKC", given or "").replace("\\", "/").rsplit("/", 1)[-1]
    given = "".join(ch for ch in given if unicodedata.category(ch)[0] != "C")
    stem, dot, extension = given.rpartition(".")
    if not dot:
        stem, extension = given, ""
    stem = UNSAFE_IN_A_NAME.sub("_", stem).strip(" ._") or "evidence"
    extension = extension.lower()
    if extension not in EXTENSIONS[kind]:
        extension = EXTENSIONS[kind][0]
    return f"{stem[: EVIDENCE_NAME_MAX_LENGTH - len(extension) - 1]}.{extension}"


def check_upload(upload):
    """``(kind, name)`` of an upload the application keeps; ``Refused`` with the reason."""
    if upload.size > EVIDENCE_FILE_MAX_BYTES:
        raise Refused(
            _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
            % {
                "name": upload.name[:80],
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(EVIDENCE_FILE_MAX_BYTES),
            }
        )
    if upload.size == 0:
        raise Refused(_("“%(name)s” is empty.") % {"name": upload.name[:80]})
    try:
        kind = identify(upload)
    except Refused as refusal:
        raise Refused(f"“{upload.name[:80]}”: {refusal.messages[0]}") from None
    return kind, safe_name(upload.name, kind)


# --- The form's part -------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(each, initial) for each in data]
        return [single(data, initial)] if data else []


class RemovedFilesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.description


class EvidenceFilesForm(forms.Form):
    """The update form's files: new ones to attach, and (editing) ones to remove. Each new
    file is checked here (size, content); nothing is kept unless the whole form saves."""

    prefix = "evidence"

    files = MultipleFileField(
        label=gettext_lazy("Attach files"),
        required=False,
    )
    remove = RemovedFilesField(
        label=gettext_lazy("Remove attached files"),
        queryset=EvidenceFile.objects.none(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose files attached to this update.")},
    )

    def __init__(self, *args, update=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _(
            "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, GIF or WebP; at most "
            "%(size)s each and %(count)d per update. Only those who may read the update "
            "can download them."
        ) % {"size": filesizeformat(EVIDENCE_FILE_MAX_BYTES), "count": MAX_EVIDENCE_FILES}
        self.fields["files"].widget.attrs["accept"] = ",".join(
            [f".{ext}" for exts in EXTENSIONS.values() for ext in exts]
        )
        self.attached = list(current_files(update)) if update is not None else []
        if self.attached:
            self.fields["remove"].queryset = current_files(update)
            self.fields["remove"].choices = [(f.pk, f.description) for f in self.attached]
        else:
            del self.fields["remove"]

    def clean_files(self):
        checked, errors = [], []
        for upload in self.cleaned_data.get("files") or []:
            try:
                kind, name = check_upload(upload)
            except Refused as refusal:
                errors.append(refusal)
                continue
            checked.append((upload, kind, name))
        if errors:
            raise ValidationError(errors)
        return checked

    def clean(self):
        cleaned = super().clean()
        kept = len(self.attached) - len(cleaned.get("remove") or [])
        if kept + len(cleaned.get("files") or []) > MAX_EVIDENCE_FILES:
            self.add_error(
                "files",
                ngettext(
                    "An update carries at most %(count)d file.",
                    "An update carries at most %(count)d files.",
                    MAX_EVIDENCE_FILES,
                )
                % {"count": MAX_EVIDENCE_FILES},
            )
        return cleaned

    @property
    def changes_anything(self):
        return bool(self.cleaned_data.get("files") or self.cleaned_data.get("remove"))


# --- Keeping and removing -----------------------------------------------------------------


def storage():
    return storages["evidence"]


def current_files(update):
    """The files attached to ``update`` now (not removed), in the order they came."""
    return EvidenceFile.objects.filter(update=update, removed_at__isnull=True).order_by(
        "uploaded_at", "id"
    )


def change_files(*, actor, update, attach=(), remove=()):
    """Attach ``attach`` (``(upload, kind, name)`` from ``EvidenceFilesForm``) to the update
    and remove ``remove`` (its files), in the caller's transaction, with an audit entry on
    the update for each. Only the country's officials, while it is a draft or returned:
    a file is part of what is submitted and reviewed."""
    if not attach and not remove:
        return
    policy.may_change_evidence.check(actor, update)
    if update.state not in ProgressUpdate.EDITABLE_STATES:
        raise services.StaleState(update, _("Files change only while the update is a draft."))
    with transaction.atomic():
        before = [f.description for f in current_files(update)]
        stored = []
        try:
            for upload, kind, name in attach:
                upload.seek(0)
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
                stored_as = storage().save(f"{update.pk}/{uuid.uuid4().hex}", upload)
                stored.append(stored_as)
                EvidenceFile.objects.create(
                    update=update,
                    name=name,
                    kind=kind,
                    size=upload.size,
                    sha256=digest.hexdigest(),
                    stored_as=stored_as,
                    uploaded_by=actor,
                )
            removed = [f for f in remove if f.update_id == update.pk and f.removed_at is None]
            if len(removed) != len(remove):
                raise ValueError("A file to remove is not one of this update's.")
            now = timezone.now()
            for each in removed:
                EvidenceFile.objects.filter(pk=each.pk).update(removed_at=now)
                # Its bytes go once the removal is kept; its row and audit entry stay.
                transaction.on_commit(lambda name=each.stored_as: storage().delete(name))
            if attach:
                audit.record(
                    actor=actor,
                    action=audit.Action.UPDATE_FILES_ATTACHED,
                    target=update,
                    changes={"evidence_files": [before, before + [_described(a) for a in attach]]},
                )
            if removed:
                audit.record(
                    actor=actor,
                    action=audit.Action.UPDATE_FILES_REMOVED,
                    target=update,
                    changes={"evidence_files": [[f.description for f in removed], []]},
                )
        except BaseException:
            for name in stored:  # nothing is kept of a change that did not save
                storage().delete(name)
            raise


def _described(item):
    upload, kind, name = item
    return f"{name} ({Kind(kind).label}, {filesizeformat(upload.size)})"


def listed_files(updates):
    """``{update id: [files]}`` for ``updates`` (ids or instances): one query, for lists,
    briefs and exports."""
    ids = [getattr(update, "pk", update) for update in updates]
    found = {}
    if not ids:
        return found
    for each in EvidenceFile.objects.filter(update__in=ids, removed_at__isnull=True).order_by(
        "uploaded_at", "id"
    ):
        found.setdefault(each.update_id, []).append(each)
    return found


def download(request, evidence_file):
    """The file's bytes as an attachment under its safe name, never rendered: the type the
    content was checked to be, no sniffing, a sandbox if a browser showed it anyway, and
    no copy kept by a shared cache."""
    response = FileResponse(
        storage().open(evidence_file.stored_as),
        as_attachment=True,
        filename=evidence_file.name,
        content_type=CONTENT_TYPES[Kind(evidence_file.kind)],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
