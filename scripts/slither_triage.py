"""Fail on any high- or medium-impact slither finding not triaged in docs/security/slither-triage.md.

usage: python scripts/slither_triage.py SLITHER_JSON TRIAGE_MD
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

BLOCKING = ("High", "Medium")


def where(finding: dict) -> str:
    """``Contract.member`` of a finding's first element, as the triage table writes it."""
    element = finding["elements"][0]
    parent = element.get("type_specific_fields", {}).get("parent", {}).get("name", "")
    name = element.get("name", "")
    return f"{parent}.{name}" if parent else name


def main(report: Path, triage: Path) -> int:
    if not report.is_file():
        print(f"slither wrote no report ({report}); see build/slither.log for why.")
        return 1
    results = json.loads(report.read_text()).get("results", {}).get("detectors", [])
    rows = re.findall(r"^\| ([a-z-]+) \| ([\w.]+) \|", triage.read_text(), flags=re.MULTILINE)
    known = set(rows)
    counts: dict[str, int] = {}
    untriaged = []
    for finding in results:
        counts[finding["impact"]] = counts.get(finding["impact"], 0) + 1
        if finding["impact"] in BLOCKING and (finding["check"], where(finding)) not in known:
            untriaged.append(finding)
    print("slither: " + ", ".join(f"{n} {impact.lower()}" for impact, n in sorted(counts.items())))
    for finding in untriaged:
        first = finding["description"].strip().splitlines()[0]
        print(f"UNTRIAGED {finding['impact']} {finding['check']} at {where(finding)}: {first}")
    if untriaged:
        print(f"{len(untriaged)} high/medium finding(s) need a fix or a row in {triage}.")
        return 1
    print(f"every high and medium finding is triaged in {triage}.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
