"""The phone menu (USSD): :class:`PhoneMenu` answers the gateway's requests (:mod:`.menu`); the main menu's items are
declared flows (:mod:`.items`, walked by :mod:`.flows`) over one request's screens (:mod:`.screens`)."""

from .menu import PhoneMenu

__all__ = ["PhoneMenu"]
