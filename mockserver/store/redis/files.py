"""Uploaded files in Redis: metadata (and by default the bytes) in one hash per file, or
the bytes in a folder every process shares (`store.files_dir`) so large uploads stay out of
Redis's memory. They expire with finished tasks (`store.ttl`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from pathlib import Path

from mockserver.config import MockConfig
from mockserver.store.base import Folder, StoredFile
from mockserver.store.redis.batcher import Batcher
from mockserver.store.redis.scripts import Keys
from mockserver.tasks.files import new_token


class RedisFileStore:
    """The `FileStore` over Redis (see the module docstring)."""

    def __init__(self, batch: Batcher, keys: Keys, ttl_ms: int, config: MockConfig) -> None:
        self.batch = batch
        self.keys = keys
        self.ttl_ms = ttl_ms
        self.folder_path = Path(config.store.files_dir) if config.store.files_dir else None
        if self.folder_path is not None:
            self.folder_path.mkdir(parents=True, exist_ok=True)

    async def put(
        self, name: str, data: bytes, content_type: str, folder_id: str = ""
    ) -> StoredFile:
        token = new_token()
        stored = StoredFile(
            id=await self._id(), token=token, name=name, content_type=content_type, data=data,
            folder_id=folder_id, added=time.time(),
        )  # fmt: skip
        meta = json.dumps([stored.id, name, content_type, folder_id, stored.added]).encode()
        if self.folder_path is not None:
            await asyncio.to_thread(self._write, token, data)
            data = b""
        await self.batch.call("HSET", self.keys.file(token), "meta", meta, "data", data)
        await self.batch.call("PEXPIRE", self.keys.file(token), self.ttl_ms)
        return stored

    def _write(self, token: str, data: bytes) -> None:
        assert self.folder_path is not None
        temporary = self.folder_path / f".{token}.part"
        temporary.write_bytes(data)
        os.replace(temporary, self.folder_path / token)  # readers never see half a file

    async def get(self, token: str, name: str | None = None) -> StoredFile | None:
        meta, data = await self.batch.call("HMGET", self.keys.file(token), "meta", "data")
        if meta is None:
            return None
        file_id, stored_name, content_type, folder_id, added = json.loads(meta)
        if name is not None and name != stored_name:
            return None
        if self.folder_path is not None:
            try:
                data = await asyncio.to_thread((self.folder_path / token).read_bytes)
            except OSError:
                return None
        return StoredFile(
            id=file_id, token=token, name=stored_name, content_type=content_type, data=data,
            folder_id=folder_id, added=added,
        )  # fmt: skip

    async def folder(self, name: str, parent_id: str) -> Folder:
        folder = Folder(id=await self._id(), name=name, parent_id=parent_id, added=time.time())
        data = json.dumps([folder.name, folder.parent_id, folder.added]).encode()
        await self.batch.call("SET", self.keys.folder(folder.id), data, "PX", self.ttl_ms)
        return folder

    async def folder_by_id(self, folder_id: str) -> Folder | None:
        raw = await self.batch.call("GET", self.keys.folder(folder_id))
        if raw is None:
            return None
        name, parent_id, added = json.loads(raw)
        return Folder(id=folder_id, name=name, parent_id=parent_id, added=added)

    async def delete(self, token: str) -> bool:
        self._forget([token])
        return bool(await self.batch.call("UNLINK", self.keys.file(token)))

    async def clear(self) -> None:
        """Delete every file and folder of this mock (their ids go on counting)."""
        keys = self.keys
        files = [k for k in await self.batch.keys(keys.file("*")) if k != keys.file_seq.encode()]
        folders = await self.batch.keys(keys.folder("*"))
        self._forget([key.rpartition(b":")[2].decode() for key in files])
        if files or folders:
            await self.batch.call("UNLINK", *files, *folders)

    def _forget(self, tokens: list[str]) -> None:
        """Remove the shared folder's copies of these files' bytes."""
        if self.folder_path is None:
            return
        for token in tokens:
            with contextlib.suppress(OSError):
                (self.folder_path / token).unlink()

    async def _id(self) -> str:
        return f"{int(await self.batch.call('INCR', self.keys.file_seq)):032x}"
