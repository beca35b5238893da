"""The bridge's index of the town's events (issue 29): :mod:`.follow` reads them from the chain into the database,
:mod:`.reads` serves every read of the town's history from there, :mod:`.figures` defines the headline figures."""

from .book import Book, Event
from .follow import IndexFollower
from .reads import IndexReader

__all__ = ["Book", "Event", "IndexFollower", "IndexReader"]
