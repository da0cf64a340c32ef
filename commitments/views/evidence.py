"""An evidence file's download: to whoever may read its update, as an attachment."""

from django.shortcuts import get_object_or_404

from commitments import evidence, policy
from commitments.models import EvidenceFile


@policy.requires(policy.has_role)
@policy.methods("GET")
def evidence_download(request, pk, file_pk):
    """The file, if the reader may read its update (``policy.may_read_evidence_file``):
    another country's draft, a removed file or an id of another update answer 404."""
    update = policy.get_update(request, pk)
    evidence_file = get_object_or_404(
        EvidenceFile.objects.filter(update=update, removed_at__isnull=True), pk=file_pk
    )
    evidence_file.update = update
    policy.may_read_evidence_file.check(request.user, evidence_file)
    return evidence.download(request, evidence_file)
