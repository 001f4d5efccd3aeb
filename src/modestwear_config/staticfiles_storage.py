"""WhiteNoise's compressed manifest storage, strict only once collectstatic has written a manifest.

Django's test runner and pytest-django force DEBUG off, and ManifestFilesMixin then
resolves every ``{% static %}`` through staticfiles.json: without collectstatic, any page
with a static file raises "Missing staticfiles manifest entry".  A project's test suite
must not need a deploy step, so until a manifest exists names are served as they are.

Everything a deploy relies on is unchanged: collectstatic still hashes, compresses and
fails on a missing file referenced by CSS; with a manifest, an unknown name still raises
(WHITENOISE_MANIFEST_STRICT is honoured); WhiteNoise still serves hashed names as immutable.
A server started without the manifest is flagged by ``check --deploy``
(modestwear_config.W011).  Imported only by Django's storage machinery, never at settings
import, so WhiteNoise stays out of processes that do not serve static files.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    def has_manifest(self) -> bool:
        """True once collectstatic ran: a manifest was loaded, written here, or is on disk now."""
        return bool(self.hashed_files) or bool(self.manifest_storage.exists(self.manifest_name))

    def stored_name(self, name: str) -> str:
        if not self.has_manifest():
            return name  # no collectstatic yet (a test run): the name as StaticFilesStorage gives it
        return str(super().stored_name(name))
