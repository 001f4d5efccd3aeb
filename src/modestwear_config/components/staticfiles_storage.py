"""WhiteNoise's compressed manifest storage, which a project's test suite can use without collectstatic.

Django's test runner and pytest-django force DEBUG off, and ManifestFilesMixin then resolves
every ``{% static %}`` through staticfiles.json: without collectstatic, any page with a static
file raises "Missing staticfiles manifest entry".  A test suite must not need a deploy step, so
inside the test environment, and only while no manifest exists at all, names are served as
they are (what StaticFilesStorage gives).

The test environment is recognised by ``django.core.mail.outbox``: documented as the test
runner's, created by ``setup_test_environment()`` (which both runners call) and deleted by
its teardown.  Everywhere else nothing changes: a server started without collectstatic still
fails loudly on the first page, collectstatic still hashes, compresses and fails on a missing
file referenced by CSS, an unknown name still raises once a manifest exists, and WhiteNoise
serves hashed names as immutable.
"""

from __future__ import annotations

from django.core import mail
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    def has_manifest(self) -> bool:
        """True once collectstatic ran: a manifest was loaded, written here, or is on disk now."""
        return bool(self.hashed_files) or bool(self.manifest_storage.exists(self.manifest_name))

    def stored_name(self, name: str) -> str:
        if hasattr(mail, "outbox") and not self.has_manifest():
            return name  # a test run without collectstatic: the name as StaticFilesStorage gives it
        return str(super().stored_name(name))
