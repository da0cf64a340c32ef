"""Where evidence files are kept is chosen by the environment: a private folder by default,
an S3-compatible bucket (django-storages) when EVIDENCE_S3_BUCKET names one, any backend
as JSON. Checked in a fresh process, without any network."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DESCRIBE = """
import json, django
django.setup()
from django.core.files.storage import storages
storage = storages["evidence"]
print(json.dumps({
    "class": type(storage).__module__ + "." + type(storage).__name__,
    "location": str(getattr(storage, "location", "")),
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "acl": getattr(storage, "default_acl", None),
    "querystring_auth": getattr(storage, "querystring_auth", None),
    "overwrite": getattr(storage, "file_overwrite", None),
}))
"""


def describe(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    # No network: any attempt to reach an endpoint would fail at once.
    clean.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", **env})
    clean["HTTPS_PROXY"] = clean["HTTP_PROXY"] = "http://127.0.0.1:9"
    result = subprocess.run(
        [sys.executable, "-c", DESCRIBE],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "nadd.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_by_default_a_private_folder_outside_the_web_root():
    described = describe()
    assert described["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert described["location"] == str(ROOT / "private" / "evidence")
    assert not described["location"].startswith(str(ROOT / "static"))


def test_a_folder_of_the_operators_choice():
    assert describe(EVIDENCE_FILES_DIR="/srv/nadd/evidence")["location"] == "/srv/nadd/evidence"


def test_an_s3_compatible_bucket_when_one_is_named():
    described = describe(
        EVIDENCE_S3_BUCKET="nadd-evidence",
        EVIDENCE_S3_ENDPOINT_URL="https://s3.example.org",
        EVIDENCE_S3_REGION="ca-central-1",
    )
    assert described["class"] == "storages.backends.s3.S3Storage"
    assert described["bucket"] == "nadd-evidence"
    assert described["endpoint"] == "https://s3.example.org"
    assert described["acl"] == "private"
    assert described["querystring_auth"] is True and described["overwrite"] is False


def test_any_backend_as_json():
    backend = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": "/srv/elsewhere"},
    }
    described = describe(EVIDENCE_FILES_STORAGE=json.dumps(backend), EVIDENCE_S3_BUCKET="x")
    assert described["location"] == "/srv/elsewhere"
