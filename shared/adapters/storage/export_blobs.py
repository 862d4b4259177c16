"""Cost Management export runs in a Blob Storage container (azure-storage-blob; Azurite locally).

`ExportBlobs` is the ExportRunFiles port: it reads a run's manifest.json, then every partition
the manifest lists: each must exist and have the manifest's `byteCount`, and is downloaded to a
temporary folder (never whole into memory) and read by shared/adapters/formats/
export_partitions.py. A missing, short or unreadable partition is an InvalidInput naming the
blob; nothing has been stored then. Storage outages are StorageUnavailable (retryable).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient

from shared.adapters.formats.export_manifest import is_manifest, parse_manifest
from shared.adapters.formats.export_partitions import REFUSED, read_partitions
from shared.adapters.storage.storage_errors import unavailable
from shared.core.export_runs import ExportContents, ExportManifest, ManifestBlob
from shared.errors import InvalidInput

DEFAULT_CONTAINER = "cost-exports"


def container_client(
    *,
    container: str,
    connection_string: str | None = None,
    blob_service_uri: str | None = None,
    credential: TokenCredential | None = None,
) -> ContainerClient:
    """The export container: through a connection string (Azurite), or the account's blob
    service URI with an identity (Storage Blob Data Reader; no keys)."""
    if connection_string:
        service = BlobServiceClient.from_connection_string(connection_string)
    else:
        assert blob_service_uri, "a blob service URI or a connection string"
        service = BlobServiceClient(blob_service_uri, credential=credential)
    return service.get_container_client(container)


class ExportBlobs:
    """The runs of one export container (shared/services/ports.py ExportRunFiles)."""

    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    @property
    def container_name(self) -> str:
        return str(self._container.container_name)

    def manifest(self, blob_name: str) -> ExportManifest:
        name = blob_name.lstrip("/")
        if not is_manifest(name):
            raise InvalidInput(name, "not a run's manifest.json; ingest the run's manifest")
        return parse_manifest(self._download_bytes(name, "the manifest"), name)

    def read(self, manifest: ExportManifest) -> ExportContents:
        with tempfile.TemporaryDirectory(prefix="export-run-") as folder:
            for blob in manifest.blobs:  # every partition there, before reading any
                self._check(blob)
            files: list[tuple[ManifestBlob, Path]] = []
            for index, blob in enumerate(manifest.blobs):
                target = Path(folder) / f"{index:05d}" / blob.name.rsplit("/", 1)[-1]
                target.parent.mkdir()
                self._download(blob, target)
                files.append((blob, target))
            return read_partitions(manifest, files)

    def _check(self, blob: ManifestBlob) -> None:
        """The partition exists with the manifest's byte count."""
        client = self._container.get_blob_client(blob.name)
        try:
            size = int(client.get_blob_properties().size)
        except ResourceNotFoundError:
            raise InvalidInput(
                blob.name, f"listed in the manifest but missing from the container; {REFUSED}"
            ) from None
        except AzureError as exc:
            raise self._outage(exc) from exc
        if blob.byte_count is not None and size != blob.byte_count:
            raise InvalidInput(
                blob.name,
                f"is {size} bytes where the manifest says {blob.byte_count} "
                f"(a partial or replaced write); {REFUSED}",
            )

    def _download(self, blob: ManifestBlob, target: Path) -> None:
        client = self._container.get_blob_client(blob.name)
        try:
            with target.open("wb") as out:
                client.download_blob().readinto(out)
        except ResourceNotFoundError:
            raise InvalidInput(blob.name, f"deleted while it was read; {REFUSED}") from None
        except AzureError as exc:
            raise self._outage(exc) from exc

    def _download_bytes(self, name: str, what: str) -> bytes:
        try:
            return bytes(self._container.get_blob_client(name).download_blob().readall())
        except ResourceNotFoundError:
            raise InvalidInput(
                name, f"{what} is not in container {self.container_name!r}"
            ) from None
        except AzureError as exc:
            raise self._outage(exc) from exc

    def _outage(self, error: AzureError) -> Exception:
        """StorageUnavailable when the container cannot be reached, else the SDK's error."""
        return unavailable(error, str(self._container.url)) or error
