"""views.open, views.push, views.update and views.publish, with trigger_ids and the modal stack."""

from __future__ import annotations

import copy
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .blockkit import _view_problems
from .params import _str_or_none
from .records import APP_ID, BOT_ID, View, _SlackError, _Trigger
from .state import WorkspaceState

TRIGGER_TTL = timedelta(seconds=3)
MAX_VIEW_STACK = 3


class ViewsMethods(WorkspaceState):
    """Modals (open, push, update, close) and App Home, each checked as Slack checks it."""

    def new_trigger_id(self, user_id: str) -> str:
        """A trigger_id for `user_id`, valid for 3 s of clock time and one views.open/views.push."""
        with self._lock:
            now = self.clock.now()
            serial = self._next_serial("trigger")
            trigger_id = f"{serial}.{int(now.timestamp())}.{secrets.token_hex(10)}"
            self._triggers[trigger_id] = _Trigger(user=user_id, issued=now)
            return trigger_id

    @property
    def views(self) -> dict[str, View]:
        """Every view ever opened or published, by view id (a copy)."""
        with self._lock:
            return dict(self._views)

    def open_views(self, user_id: str) -> list[View]:
        """Modals currently open for a user, root first, top of the stack last."""
        with self._lock:
            return [self._views[v] for v in self._stacks.get(user_id, []) if not self._views[v].closed]

    def close_view(self, view_id: str) -> None:
        """Close a modal and any view pushed above it, as Slack does after a closing submission."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                raise KeyError(f"no view {view_id}")
            stack = self._stacks.get(view.user, [])
            if view_id in stack:
                position = stack.index(view_id)
                for above in stack[position:]:
                    self._views[above] = replace(self._views[above], closed=True)
                del stack[position:]
            else:
                self._views[view_id] = replace(view, closed=True)

    def _views_open(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        trigger = self._check_trigger(p, now)
        view = self._checked_view(p.get("view"), "modal")
        external_id = self._checked_external_id(view)
        trigger.used = True
        for view_id in self._stacks.get(trigger.user, []):
            self._views[view_id] = replace(self._views[view_id], closed=True)
        view_id = self._new_id("V")
        record = View(
            id=view_id,
            user=trigger.user,
            view=view,
            hash=self._new_hash(now),
            root_view_id=view_id,
            kind="modal",
            external_id=external_id,
        )
        self._views[view_id] = record
        self._stacks[trigger.user] = [view_id]
        return {"view": self._view_json(record)}

    def _views_push(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        trigger = self._check_trigger(p, now)
        view = self._checked_view(p.get("view"), "modal")
        external_id = self._checked_external_id(view)
        stack = self._stacks.get(trigger.user, [])
        if not stack:
            raise _SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] no open view to push onto"]}
            )
        if len(stack) >= MAX_VIEW_STACK:
            raise _SlackError("push_limit_reached")
        trigger.used = True
        view_id = self._new_id("V")
        record = View(
            id=view_id,
            user=trigger.user,
            view=view,
            hash=self._new_hash(now),
            root_view_id=stack[0],
            kind="modal",
            external_id=external_id,
            previous_view_id=stack[-1],
        )
        self._views[view_id] = record
        stack.append(view_id)
        return {"view": self._view_json(record)}

    def _views_update(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        view_id, external_id = _str_or_none(p.get("view_id")), _str_or_none(p.get("external_id"))
        if not view_id and not external_id:
            raise _SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view_id or external_id is required"]},
            )
        current = self._views.get(view_id) if view_id else self._view_by_external_id(external_id)
        if current is None or current.closed:
            raise _SlackError("not_found")
        view = self._checked_view(p.get("view"), current.kind)
        new_external_id = self._checked_external_id(view, ignore=current.id) or current.external_id
        expected = _str_or_none(p.get("hash"))
        if expected and expected != current.hash:
            raise _SlackError("hash_conflict")
        updated = replace(current, view=view, hash=self._new_hash(now), external_id=new_external_id)
        self._views[current.id] = updated
        return {"view": self._view_json(updated)}

    def _views_publish(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        user_id = str(p.get("user_id") or "")
        if user_id not in self._users:
            raise _SlackError("user_not_found")
        view = self._checked_view(p.get("view"), "home")
        current = self._views.get(self._homes.get(user_id, ""))
        expected = _str_or_none(p.get("hash"))
        if expected and current is not None and expected != current.hash:
            raise _SlackError("hash_conflict")
        view_id = current.id if current else self._new_id("V")
        record = View(
            id=view_id,
            user=user_id,
            view=view,
            hash=self._new_hash(now),
            root_view_id=view_id,
            kind="home",
            external_id=_str_or_none(view.get("external_id")),
        )
        self._views[view_id] = record
        self._homes[user_id] = view_id
        return {"view": self._view_json(record)}

    def _check_trigger(self, p: dict[str, Any], now: datetime) -> _Trigger:
        trigger_id = _str_or_none(p.get("trigger_id")) or _str_or_none(p.get("interactivity_pointer"))
        if not trigger_id:
            raise _SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: trigger_id"]},
            )
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise _SlackError("invalid_trigger_id")
        if trigger.used:
            raise _SlackError("exchanged_trigger_id")
        if now - trigger.issued > TRIGGER_TTL:
            raise _SlackError("expired_trigger_id")
        return trigger

    def _checked_view(self, view: Any, kind: str) -> dict[str, Any]:
        problems = _view_problems(view, kind)
        if problems:
            raise _SlackError("invalid_arguments", response_metadata={"messages": problems})
        return copy.deepcopy(view)

    def _checked_external_id(self, view: dict[str, Any], ignore: str | None = None) -> str | None:
        external_id = _str_or_none(view.get("external_id"))
        if external_id:
            clash = self._view_by_external_id(external_id)
            if clash is not None and clash.id != ignore:
                raise _SlackError("duplicate_external_id")
        return external_id

    def _view_by_external_id(self, external_id: str | None) -> View | None:
        for view in self._views.values():
            if external_id and view.external_id == external_id and not view.closed:
                return view
        return None

    def _view_json(self, view: View) -> dict[str, Any]:
        sent = copy.deepcopy(view.view)
        return {
            "id": view.id,
            "team_id": self.team_id,
            "type": view.kind,
            "blocks": sent.get("blocks", []),
            "private_metadata": sent.get("private_metadata", ""),
            "callback_id": sent.get("callback_id", ""),
            "state": {"values": {}},
            "hash": view.hash,
            "title": sent.get("title"),
            "close": sent.get("close"),
            "submit": sent.get("submit"),
            "clear_on_close": bool(sent.get("clear_on_close", False)),
            "notify_on_close": bool(sent.get("notify_on_close", False)),
            "external_id": view.external_id or "",
            "previous_view_id": view.previous_view_id,
            "root_view_id": view.root_view_id,
            "app_id": APP_ID,
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }
