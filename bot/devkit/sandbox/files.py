"""Files upload v2: files.getUploadURLExternal, the upload URL, files.completeUploadExternal.

Also files.info, and the retired files.upload, answered as Slack answers it.
"""

from __future__ import annotations

import copy
import mimetypes
from datetime import datetime
from typing import Any

from .params import _parse_multipart, _str_or_none
from .records import _Reply, _SlackError
from .state import WorkspaceState


class FilesMethods(WorkspaceState):
    """Upload URLs, the bytes sent to them, and sharing the finished files into channels."""

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """Uploaded files by id: name, title, length, alt_txt, channel, content (bytes), ..."""
        with self._lock:
            return copy.deepcopy(self._files)

    def _handle_upload(self, path: str, raw: bytes, content_type: str) -> _Reply:
        """The bytes of a files upload v2 flow, POSTed to the URL files.getUploadURLExternal gave."""
        file_id = path.rsplit("/", 1)[-1]
        if content_type.startswith("multipart/form-data"):
            parts = _parse_multipart(raw, content_type)
            raw = next((value for value in parts.values() if isinstance(value, bytes)), b"")
        with self._lock:
            now = self.clock.now()
            record = self._files.get(file_id)
            params = {"file_id": file_id, "length": len(raw)}
            if record is None:
                reply = _Reply(404, {"ok": False, "error": "file_not_found"})
            else:
                params["filename"] = record["name"]
                record["content"] = raw
                record["uploaded"] = True
                reply = _Reply(200, {"ok": True})
            call = self._record("files.upload", params, reply, now)
        self._notify(call)
        if reply.status == 200:
            return _Reply(200, f"OK - {len(raw)}")
        return _Reply(reply.status, "file_not_found")

    def _files_get_upload_url(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        filename = _str_or_none(p.get("filename"))
        try:
            length = int(p.get("length"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            length = -1
        if not filename or length < 0:
            raise _SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] filename and length are required"]},
            )
        file_id = self._new_id("F")
        self._files[file_id] = {
            "id": file_id,
            "name": filename,
            "title": filename,
            "length": length,
            "alt_txt": _str_or_none(p.get("alt_txt")),
            "snippet_type": _str_or_none(p.get("snippet_type")),
            "channel": None,
            "channels": [],
            "content": None,
            "uploaded": False,
            "completed": False,
            "initial_comment": None,
            "thread_ts": None,
            "created": now,
        }
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        entries = p.get("files")
        if not isinstance(entries, list) or not entries:
            raise _SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] files must be an array"]}
            )
        records = []
        for entry in entries:
            record = self._files.get(str(entry.get("id") if isinstance(entry, dict) else ""))
            if record is None or not record["uploaded"]:
                raise _SlackError("file_not_found")
            records.append((record, entry))
        targets = [str(p["channel_id"])] if p.get("channel_id") else []
        targets += [c.strip() for c in str(p.get("channels") or "").split(",") if c.strip()]
        channels = []
        for target in targets:
            channel = self._find_channel(target, open_dm=True, now=now)
            if channel is None or (channel.is_private and not channel.bot_is_member):
                raise _SlackError("invalid_channel")
            if channel.is_archived:
                raise _SlackError("is_archived")
            if not channel.bot_is_member and not channel.is_im:
                raise _SlackError("not_in_channel")
            channels.append(channel)
        comment = str(p.get("initial_comment") or "")
        thread_ts = _str_or_none(p.get("thread_ts"))
        for record, entry in records:
            record.update(
                title=str(entry.get("title") or record["name"]),
                channel=channels[0].id if channels else None,
                channels=[c.id for c in channels],
                completed=True,
                initial_comment=comment or None,
                thread_ts=thread_ts,
            )
        shared = [self._file_json(record) for record, _ in records]
        for channel in channels:
            self._append_message(channel.id, comment, [], [], thread_ts, now, files=copy.deepcopy(shared))
        return {"files": shared}

    def _files_info(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        record = self._files.get(str(p.get("file") or ""))
        if record is None or not record["completed"]:
            raise _SlackError("file_not_found")
        return {"file": self._file_json(record)}

    def _files_upload_v1(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        # Slack retired files.upload; answering as Slack does catches stray uses early.
        raise _SlackError("method_deprecated")

    def _file_json(self, record: dict[str, Any]) -> dict[str, Any]:
        name = record["name"]
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        return {
            "id": record["id"],
            "created": int(record["created"].timestamp()),
            "timestamp": int(record["created"].timestamp()),
            "name": name,
            "title": record["title"],
            "mimetype": _mimetype(name),
            "filetype": extension,
            "user": self.bot_user_id,
            "size": len(record["content"] or b""),
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(record["channels"]),
            "alt_txt": record["alt_txt"],
            "url_private": f"{self.base_url}/files/{record['id']}/{name}",
            "permalink": f"https://{self.domain}.slack.com/files/{self.bot_user_id}/{record['id']}/{name}",
            "channels": list(record["channels"]),
        }


def _mimetype(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
