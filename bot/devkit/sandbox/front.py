"""`SlackSandbox`: the state, the server, the limits and one mixin per Web API family."""

from __future__ import annotations

from bot.core import Clock

from .auth import AuthMethods
from .chat import ChatMethods
from .controls import WorkspaceControls
from .conversations import ConversationsMethods
from .files import FilesMethods
from .response_url import ResponseUrls
from .server import Serving
from .users import UsersMethods
from .views import ViewsMethods


class SlackSandbox(
    Serving,
    WorkspaceControls,
    AuthMethods,
    ChatMethods,
    ConversationsMethods,
    UsersMethods,
    ViewsMethods,
    FilesMethods,
    ResponseUrls,
):
    """An emulated Slack workspace serving the Web API on 127.0.0.1.

    Use as a context manager or call `start()`/`stop()`. Set the workspace up
    with `add_user`/`add_channel`, point `slack_sdk.WebClient(base_url=api_url,
    token=bot_token)` at it, then read `calls`, `messages()`, `ephemerals`,
    `views` and `files`. All state is guarded by one lock, so handlers running
    on server threads and the test thread can read and write concurrently.

    `rate_limits` maps a method to (calls, seconds), a sliding window over the
    whole workspace; "METHOD:per_channel" keeps one such window per channel.
    Both may be set for one method: a call then needs a free slot in each.

    `latency` (seconds) delays every request before it is handled and answered,
    as a round trip to Slack would; the server is threaded, so calls made side
    by side wait side by side. Recorded calls carry the time they were handled.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        bot_token: str = "xoxb-sandbox",
        team_id: str = "T0SANDBOX",
        team_name: str = "Sandbox",
        bot_user_id: str = "UBOT",
        rate_limits: dict[str, tuple[int, float]] | None = None,
        latency: float = 0.0,
    ) -> None:
        super().__init__(
            clock=clock,
            bot_token=bot_token,
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            rate_limits=rate_limits,
            latency=latency,
        )
        self._methods = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.list": self._conversations_list,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.list": self._users_list,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.info": self._files_info,
            "files.upload": self._files_upload_v1,
        }
        self._endpoints = {
            "/upload/": self._handle_upload,
            "/actions/": self._handle_response_url,
        }
