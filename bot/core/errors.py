"""Errors that carry a message meant for the person who caused them."""


class UserError(Exception):
    """Something the person can fix; `str(exc)` is shown to them as is (mrkdwn)."""


class NotAllowed(UserError):
    """The person lacks the role the action needs."""


class FieldErrors(UserError):
    """A form had invalid fields; maps field name -> message, shown inline in a modal."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
