"""Private file storage for letter PDFs and uploaded documents: no URL, outside MEDIA_ROOT.

Files here are served only by views that check the user's kelurahan (or a resident's tracking
code), never by the web server.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = FileSystemStorage(
            location=settings.PRIVATE_ROOT, base_url=None, file_permissions_mode=0o640
        )


private_storage = PrivateStorage()
