"""Expected problems with a message meant for the user. No discord import: db/ and advice may raise them."""

from __future__ import annotations


class UserFacingError(Exception):
    """An expected problem whose message is safe and useful to show the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotYours(UserFacingError):
    """Somebody pressed a button or used a form that belongs to another user."""

    def __init__(self) -> None:
        super().__init__("These buttons belong to someone else. Run the command yourself to get your own.")
