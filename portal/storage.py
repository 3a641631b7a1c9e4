from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploaded files live outside the web root and have no URL: a view that checks access
    streams them (with ``Content-Disposition: attachment``)."""

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view that checks access.")
