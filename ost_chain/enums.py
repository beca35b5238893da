"""The contracts' enums and roles, defined once for Python, the bridge and the page.

Each enum mirrors the Solidity enum :data:`SOLIDITY` names, member for member and in
order; ``tests/core/test_enums.py`` checks them against the compiler's own output, so a change to a
contract that is not made here fails the tests instead of drifting. ``.label`` is the lowercase name
the CLI and the HTTP API show (``"local"``); ``.value`` is what the chain returns.
"""

from __future__ import annotations

from enum import IntEnum

from eth_utils import keccak

NATIVE = "0x" + "00" * 20
"""The payment asset that stands for the chain's native coin (``address(0)`` in the contracts)."""


class ContractEnum(IntEnum):
    """An enum of the contracts; :data:`SOLIDITY` names it as the compiler does (``IShareSale.Phase``)."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def labels(cls) -> list[str]:
        return [member.label for member in cls]


class Phase(ContractEnum):
    """Where a share sale stands (``IShareSale.Phase``)."""

    PENDING = 0
    LOCAL = 1
    COUNTRY = 2
    WORLD = 3
    SUCCEEDED = 4
    FAILED = 5

    @property
    def closed(self) -> bool:
        return self >= Phase.SUCCEEDED

    @property
    def is_open(self) -> bool:
        """Shares may be bought now (by whom: :attr:`who_may_buy`)."""
        return Phase.PENDING < self < Phase.SUCCEEDED

    @classmethod
    def open_labels(cls) -> list[str]:
        """The open phases' labels, in order (``local``, ``country``, ``world``): a tier may buy in its phase and
        every later one."""
        return [phase.label for phase in cls if phase.is_open]

    @property
    def who_may_buy(self) -> str:
        """Who may buy in this phase, in plain words."""
        return _WHO_MAY_BUY[self]

    @property
    def buyers(self) -> str:
        """Who may buy in this open phase, in one word for a phone's page ("residents")."""
        return _BUYERS[self]


class Tier(ContractEnum):
    """How close an address stands to the town (``ITownRegistry.Tier``)."""

    LOCAL = 0
    COUNTRY = 1
    WORLD = 2


class Eligibility(ContractEnum):
    """Why a buyer may not buy now (``IShareSale.Eligibility``); ``ELIGIBLE`` when they may."""

    ELIGIBLE = 0
    TOWN_NOT_LAUNCHED = 1
    NOT_STARTED = 2
    NOT_MEMBER = 3
    PHASE_NOT_REACHED = 4
    CAP_REACHED = 5
    CLOSED = 6

    @property
    def solidity_name(self) -> str:
        """The member's name in Solidity (``TownNotLaunched``)."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def sentence(self) -> str:
        """The reason in plain words."""
        return _ELIGIBILITY[self]


class OwnershipPolicy(ContractEnum):
    """Who may receive a business's shares after its sale (``IShareToken.OwnershipPolicy``)."""

    OPEN = 0
    KEEP_LOCAL = 1


class DocumentKind(ContractEnum):
    """A document a listing carries (``IBusinessFactory.DocumentKind``)."""

    BUSINESS_PLAN = 0
    INVESTOR_PACK = 1


SOLIDITY: dict[type[ContractEnum], str] = {
    Phase: "IShareSale.Phase",
    Tier: "ITownRegistry.Tier",
    Eligibility: "IShareSale.Eligibility",
    OwnershipPolicy: "IShareToken.OwnershipPolicy",
    DocumentKind: "IBusinessFactory.DocumentKind",
}
"""Each enum of :mod:`ost_chain.enums` by the Solidity enum it mirrors."""


def solidity_members(enum: type[ContractEnum]) -> list[str]:
    """The members as Solidity spells them (``Pending``, ``LOCAL``, ``TownNotLaunched``, ``KEEP_LOCAL``)."""
    if enum is Phase:
        return [m.name.capitalize() for m in enum]
    if enum is Eligibility:
        return [m.solidity_name for m in Eligibility]
    return [m.name for m in enum]


class Role:
    """The town's roles as the registry names them, with their ids (``keccak256`` of the name; the admin is 0)."""

    OST_OFFICE = "DEFAULT_ADMIN_ROLE"
    COUNTRY_AMBASSADOR = "COUNTRY_AMBASSADOR_ROLE"
    TOWN_AMBASSADOR = "TOWN_AMBASSADOR_ROLE"
    COORDINATOR = "COORDINATOR_ROLE"
    ALL = (OST_OFFICE, COUNTRY_AMBASSADOR, TOWN_AMBASSADOR, COORDINATOR)

    @staticmethod
    def id(name: str) -> bytes:
        """The bytes32 id of the role called ``name``."""
        if name not in Role.ALL:
            raise ValueError(f"No town role is called {name!r}; the roles are {', '.join(Role.ALL)}.")
        return b"\x00" * 32 if name == Role.OST_OFFICE else keccak(text=name)


def _(sentence: str) -> str:
    """Marks a sentence for the bridge's catalogs (babel.cfg): the bridge says it in the reader's language."""
    return sentence


# The words the page says each phase and tier by (its label, t(b.phase)): marked for the catalogs here, where the
# labels are made (tests/core/test_catalogs.py holds these to the enums).
LABEL_WORDS = (_("pending"), _("local"), _("country"), _("world"), _("succeeded"), _("failed"))

_WHO_MAY_BUY = {
    Phase.PENDING: _("nobody yet: the sale has not opened"),
    Phase.LOCAL: _("the town's members"),
    Phase.COUNTRY: _("members and verified residents of the country"),
    Phase.WORLD: _("anyone"),
    Phase.SUCCEEDED: _("nobody: the raise succeeded"),
    Phase.FAILED: _("nobody: the raise failed; buyers may take refunds"),
}

_BUYERS = {Phase.LOCAL: _("members"), Phase.COUNTRY: _("residents"), Phase.WORLD: _("anyone")}  # open phases only

_ELIGIBILITY = {
    Eligibility.ELIGIBLE: _("may buy now"),
    Eligibility.TOWN_NOT_LAUNCHED: _("the town has not launched yet"),
    Eligibility.NOT_STARTED: _("the sale has not opened yet"),
    Eligibility.NOT_MEMBER: _("only the town's members may buy in the local phase, and this address is not a member"),
    Eligibility.PHASE_NOT_REACHED: _("this address's tier may not buy yet: the sale has not reached its phase"),
    Eligibility.CAP_REACHED: _("this address holds the most shares one buyer may hold from this sale"),
    Eligibility.CLOSED: _("the sale is closed"),
}
