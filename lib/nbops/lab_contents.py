"""The contents manager of `nbops lab`: jupyter_server's, with listings that survive a rename.

jupyter_server lists a folder by reading its entries, then asking for each entry's model. A file
renamed or deleted between the two (JupyterLab renaming `Untitled.ipynb` on its first save, while
the file browser refreshes the folder) makes that second step answer 404, and the 404 becomes the
answer for the whole folder: JupyterLab shows "Directory not found: notebooks" and leaves the
folder. Here such an entry is left out of the listing, as if the folder had been read a moment
later; a folder that is itself missing still answers 404. Imported only by the Jupyter server
(the class is named in `nbops.lab.configure`).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web

_LISTING = ContextVar("nbops_lab_listing", default=False)  # True inside a folder listing
_GONE: dict[str, Any] = {"nbops": "entry renamed or deleted while its folder was listed"}


class SteadyListingContentsManager(AsyncLargeFileManager):
    """jupyter_server's default contents manager; a listing skips entries that vanish mid-way."""

    async def _dir_model(self, path: str, content: bool = True) -> dict[str, Any]:
        """The folder's model; with content, its entries that still exist once they are read."""
        token = _LISTING.set(True)
        try:
            model = await super()._dir_model(path, content=content)
        finally:
            _LISTING.reset(token)
        if content:
            model["content"] = [entry for entry in model["content"] if entry is not _GONE]
        return model

    async def get(
        self,
        path: str,
        content: bool = True,
        type: str | None = None,
        format: str | None = None,
        require_hash: bool = False,
    ) -> dict[str, Any]:
        """The model at `path`; inside a listing, a marker for an entry that has just vanished."""
        try:
            return await super().get(
                path, content=content, type=type, format=format, require_hash=require_hash
            )
        except web.HTTPError as error:
            if error.status_code == 404 and _LISTING.get() and not content:
                return _GONE
            raise
