"""Private file storage for letter PDFs and uploaded documents: no URL, outside MEDIA_ROOT.

Files here are served only by views that check the user's kelurahan (or a resident's tracking
code), never by the web server. The storage is a local folder (PRIVATE_ROOT), or, with object
storage configured (S3_BUCKET, docs/decisions/object-storage.md), a bucket whose objects are all
ACL private: there, after the same check, a view may hand out a presigned URL that lasts
PRIVATE_URL_SECONDS, and nothing else.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponseRedirect
from django.utils.functional import LazyObject
from django.utils.http import content_disposition_header
from import_export.tmp_storages import MediaStorage

NO_URL = "Private files have no URL; serve them through a view that checks access."


class NoURLFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage whose files have no URL (base_url=None alone falls back to MEDIA_URL)."""

    def url(self, name):
        raise ValueError(NO_URL)


def _private_s3_storage(options: dict):
    """An S3Storage whose objects are private and whose url() refuses, like the folder's; only
    `presigned_url`, called by a view after its access check, gives a (short-lived) address."""
    from storages.backends.s3 import S3Storage

    class PrivateS3Storage(S3Storage):
        default_acl = "private"
        querystring_auth = True
        custom_domain = None

        def url(self, name, parameters=None, expire=None, http_method=None):
            raise ValueError(NO_URL)

        def presigned_url(
            self, name: str, *, content_type: str, filename: str, attachment: bool = True
        ) -> str:
            """A GET address of `name` valid for PRIVATE_URL_SECONDS, answered with our
            filename, type and no-store. Only for a request that passed the access check."""
            return super().url(
                name,
                parameters={
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": content_disposition_header(attachment, filename),
                    "ResponseCacheControl": "private, no-store",
                },
                expire=settings.PRIVATE_URL_SECONDS,
            )

    # The class attributes are defaults; the options may not loosen them.
    return PrivateS3Storage(
        **{**options, "default_acl": "private", "querystring_auth": True, "custom_domain": None}
    )


class PrivateStorage(LazyObject):
    def _setup(self):
        if settings.PRIVATE_STORAGE_S3:
            self._wrapped = _private_s3_storage(settings.PRIVATE_STORAGE_S3)
            return
        self._wrapped = NoURLFileSystemStorage(
            location=settings.PRIVATE_ROOT, base_url=None, file_permissions_mode=0o640
        )


private_storage = PrivateStorage()


def get_private_storage():
    """The storage for FileField(storage=...): as a callable, migrations name this function
    instead of freezing this machine's PRIVATE_ROOT into them."""
    return private_storage


class PrivateImportStorage(MediaStorage):
    """Where a register import waits between its preview and its confirmation: private storage,
    under imports/. import-export's default is the web node's /tmp, which breaks the moment
    the confirmation lands on another node (and its media option would be a public folder).
    Unconfirmed files are deleted by the sweep after a day (services.letter_files_sweep)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("MEDIA_FOLDER", "imports")
        super().__init__(**kwargs)

    def _configure_storage(self):
        self._storage = private_storage


def private_file_response(
    storage, name: str, *, content_type: str, filename: str, as_attachment: bool = True
) -> FileResponse | HttpResponseRedirect:
    """A private file, for a request that passed its access check, that no shared cache or
    browser cache keeps (personal data, often on an office computer).

    Streamed from its storage (a folder or a bucket alike); with object storage and
    PRIVATE_FILES_REDIRECT, a redirect to a presigned URL of PRIVATE_URL_SECONDS instead, so the
    web node does not carry the bytes."""
    if settings.PRIVATE_FILES_REDIRECT and hasattr(storage, "presigned_url"):
        response = HttpResponseRedirect(
            storage.presigned_url(
                name, content_type=content_type, filename=filename, attachment=as_attachment
            )
        )
    else:
        response = FileResponse(
            storage.open(name, "rb"),
            content_type=content_type,
            as_attachment=as_attachment,
            filename=filename,
        )
    response["Cache-Control"] = "private, no-store"
    return response
