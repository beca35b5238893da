"""A Town Ambassador's plan: the town, its people, its projects and its businesses, as YAML.

Validated with pydantic (:mod:`.models`); every mistake is reported with the path of the field and what is
expected, before anything touches a chain (:mod:`.load`). Addresses may be written as ``dev:N``, the N-th
development account of the embedded chain.
"""

from .load import TEMPLATE, development_references, load_plan
from .models import (
    DAY,
    DEV_STABLECOIN,
    BusinessPlan,
    DocumentPlan,
    Milestone,
    ProjectPlan,
    ResolvedBusiness,
    SaleDefaults,
    TownPlan,
    resolve_address,
)

__all__ = [
    "DAY",
    "DEV_STABLECOIN",
    "TEMPLATE",
    "BusinessPlan",
    "DocumentPlan",
    "Milestone",
    "ProjectPlan",
    "ResolvedBusiness",
    "SaleDefaults",
    "TownPlan",
    "development_references",
    "load_plan",
    "resolve_address",
]
