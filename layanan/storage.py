"""Private file storage for letter PDFs and uploaded documents: no URL, outside MEDIA_ROOT.

Files here are served only by views that check the user's kelurahan (or a resident's tracking
code), never by the web server.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class NoURLFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage whose files have no URL (base_url=None alone falls back to MEDIA_URL)."""

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = NoURLFileSystemStorage(
            location=settings.PRIVATE_ROOT, base_url=None, file_permissions_mode=0o640
        )


private_storage = PrivateStorage()


def get_private_storage():
    """The storage for FileField(storage=...): as a callable, migrations name this function
    instead of freezing this machine's PRIVATE_ROOT into them."""
    return private_storage
