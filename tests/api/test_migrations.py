"""The bridge's schema migrations on real SQLite files (no chain): a new database, one made by the
bridge before migrations existed, an upgrade run twice and two replicas upgrading at once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, delete, event, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from api.db import (
    ApiKey,
    Base,
    Batch,
    Meal,
    Participation,
    PhoneAccount,
    PhoneMove,
    PhoneOrder,
    RelayRequest,
    Sms,
    make_engine,
    name_unnamed_rows,
    sessions,
)
from api.migrate import INITIAL, INITIAL_TABLES, config, current, head, upgrade
from ost_chain.actions import BY_SLUG
from ost_chain.exceptions import ConfigError

ROOT = Path(__file__).resolve().parents[2]
COORDINATOR = "0x" + "22" * 20
TOWN = "0x" + "66" * 20  # the bridge's first town's registry


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = create_engine(f"sqlite:///{tmp_path / 'bridge.sqlite'}")
    yield e
    e.dispose()


def differences(engine: Engine) -> list[Any]:
    """What separates the database's schema from the models in api/db.py (alembic's autogenerate)."""
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def a_participation(n: int = 1) -> Participation:
    return Participation(
        participation_id=f"p-{n}",
        key="0x" + f"{n:064x}",
        body_hash="ab" * 32,
        member="0x" + "11" * 20,
        project_id=1,
        minutes=60,
        coordinator=COORDINATOR,
        town=TOWN,
        status="confirmed",
        minted=str(10**18),
    )


def test_a_new_database_gets_exactly_the_models_tables(engine: Engine) -> None:
    assert current(engine) is None
    upgrade(engine)
    assert version_rows(engine) == [head()]
    assert current(engine) == head()
    assert set(inspect(engine).get_table_names()) == {
        *INITIAL_TABLES,
        "relays",
        "phone_accounts",
        "ussd_steps",
        "phone_moves",
        "phone_orders",
        "sms_outbox",
        "index_cursor",
        "index_blocks",
        "index_events",
        "index_totals",
        "alembic_version",
    }
    assert differences(engine) == []  # the hand-written revision creates what the models declare
    uniques = inspect(engine).get_unique_constraints("participations")
    # A key is recorded (and minted) once among its coordinator's: each coordinator's ids are its own (issue 26 #3).
    assert [u["column_names"] for u in uniques] == [["town", "coordinator", "key"]]
    signer_nonce = [i for i in inspect(engine).get_indexes("relays") if i["unique"]]
    assert [i["column_names"] for i in signer_nonce] == [["signer", "nonce"]]  # a member's nonce is queued once


def made_before_migrations(engine: Engine) -> None:
    """The tables `create_all` made at every start before migrations (the initial revision's), with no version."""
    with engine.begin() as connection:
        command.upgrade(config(connection), INITIAL)
        connection.exec_driver_sql("DROP TABLE alembic_version")


def test_a_database_made_before_migrations_is_adopted_with_its_rows(engine: Engine) -> None:
    made_before_migrations(engine)
    row = a_participation()
    old_columns = {c["name"] for c in inspect(engine).get_columns("participations")}
    values = {c: getattr(row, c) for c in old_columns if getattr(row, c) is not None}
    with engine.begin() as connection:  # a row as the old bridge wrote it, in its old table
        connection.execute(Participation.__table__.insert().inline().values({**values, "attempts": 0, "meal": False}))
    assert current(engine) is None

    upgrade(engine)

    assert version_rows(engine) == [head()]
    assert differences(engine) == []
    assert name_unnamed_rows(sessions(engine), TOWN) == 1  # the bridge's first town's, named when it starts
    with sessions(engine)() as session:
        kept = session.get(Participation, ("p-1", COORDINATOR, TOWN))
        assert kept is not None and kept.minted == str(10**18) and kept.key == "0x" + f"{1:064x}"


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    with sessions(engine)() as session, session.writing():
        session.add(a_participation())
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))

    upgrade(engine)

    assert statements  # it looked
    writes = [s for s in statements if s.split()[0].upper() in {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE"}]
    assert writes == []
    assert version_rows(engine) == [head()]
    with sessions(engine)() as session:
        assert session.get(Participation, ("p-1", COORDINATOR, TOWN)) is not None


def test_make_engine_migrates(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bridge.sqlite'}")
    try:
        assert current(engine) == head()
        assert differences(engine) == []
    finally:
        engine.dispose()


# A bridge replica: starts, says so, waits for the word and makes its engine, as the bridge does.
REPLICA = """
import sys
from api.db import make_engine
print("ready", flush=True)
sys.stdin.readline()
make_engine(sys.argv[1])
"""


def test_replicas_starting_at_once_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bridge.sqlite'}"
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", REPLICA, url],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    for r in replicas:
        assert r.stdout is not None and r.stdout.readline() == "ready\n"
    for r in replicas:
        assert r.stdin is not None
        r.stdin.write("go\n")  # all at once
        r.stdin.flush()
    outputs = [r.communicate(timeout=120) for r in replicas]
    assert [r.returncode for r in replicas] == [0] * len(replicas), [err for _, err in outputs]
    engine = create_engine(url)
    try:
        assert version_rows(engine) == [head()]
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_a_database_with_only_some_of_the_tables_is_refused(engine: Engine) -> None:
    Base.metadata.tables["api_keys"].create(engine)
    with pytest.raises(ConfigError, match="some of its tables"):
        upgrade(engine)
    assert current(engine) is None  # nothing stamped


def test_the_initial_revision_downgrades_to_nothing(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(config(connection), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) == head() and INITIAL == "0001"


def test_a_bad_query_on_sqlite_is_not_an_outage_and_no_url_shows_a_password(tmp_path: Path) -> None:
    """Found in review: SQLite says OperationalError for a missing table too (a bug, not a wait), and a password can
    sit in a URL's query string."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from api.db import is_outage, shown

    engine = make_engine(f"sqlite:///{tmp_path / 'bridge.sqlite'}")
    with engine.connect() as connection:
        try:
            connection.execute(text("SELECT * FROM no_such_table"))
        except OperationalError as exc:
            assert not is_outage(exc)
    missing = create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.sqlite'}")
    try:
        missing.connect()
    except OperationalError as exc:
        assert is_outage(exc)  # a database file that cannot be opened is one
    said = shown("postgresql://ost:hunter2@db.example/ost?password=hunter3&sslmode=require")
    assert "hunter2" not in said and "hunter3" not in said and "db.example" in said


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        e = create_engine(f"sqlite:///{tmp_path / 'bridge.sqlite'}")
    else:
        e = create_engine(request.getfixturevalue("postgres").database("migrations"))
    yield e
    e.dispose()


def test_a_database_of_the_previous_version_moves_to_coordinators_own_ids_with_its_rows(any_engine: Engine) -> None:
    """Revision 0006 keys a participation by its id and its coordinator (issue 26 #3): a database the bridge made
    before keeps its participations and meals, and then another coordinator may use an id one already used."""
    engine = any_engine
    with engine.begin() as connection:
        command.upgrade(config(connection), "0005")
    row = a_participation()
    with engine.begin() as connection:  # rows as the previous version wrote them
        now = datetime(2026, 12, 1, 12)
        values = {c.name: getattr(row, c.name) for c in Participation.__table__.columns if c.name != "town"}
        values |= {"attempts": 0, "meal": True, "created_at": now, "updated_at": now}
        connection.execute(Participation.__table__.insert().inline().values(values))
        connection.execute(
            Meal.__table__.insert()
            .inline()
            .values(
                participation_id="p-1",
                served_on="2026-12-01",
                served_at=datetime(2026, 12, 1, 12),
                member=row.member,
                recorded_by=COORDINATOR,
            )
        )
    upgrade(engine)
    assert current(engine) == head() and differences(engine) == []
    assert name_unnamed_rows(sessions(engine), TOWN) == 1  # the participation (its meal goes with it)
    values["town"] = TOWN
    other = "0x" + "33" * 20
    with sessions(engine)() as session:
        kept = session.get(Participation, ("p-1", COORDINATOR, TOWN))
        assert kept is not None and kept.minted == str(10**18) and kept.key == "0x" + f"{1:064x}"
        meal = session.get(Meal, ("p-1", COORDINATOR, TOWN))
        assert meal is not None and meal.member == row.member
        with session.writing():  # the same id, another coordinator's own participation
            session.add(Participation(**{**values, "coordinator": other}))
    with pytest.raises(IntegrityError), sessions(engine)() as session, session.writing():
        session.add(Participation(**values))  # the same coordinator's id again
    # And back, and forth again: each way keeps the rows (the downgrade, with one coordinator's ids only).
    with sessions(engine)() as session, session.writing():
        session.execute(delete(Participation).where(Participation.coordinator == other))
    with engine.begin() as connection:
        command.downgrade(config(connection), "0005")
    upgrade(engine)
    assert differences(engine) == []
    name_unnamed_rows(sessions(engine), TOWN)
    with sessions(engine)() as session:
        assert session.get(Participation, ("p-1", COORDINATOR, TOWN)) is not None
        assert session.get(Meal, ("p-1", COORDINATOR, TOWN)) is not None


def test_relayed_requests_recorded_by_their_words_move_to_their_action_s_slug(any_engine: Engine) -> None:
    """Revision 0007 (issue 28): a relayed request records its member action by slug; the rows of a bridge of the
    previous version, recorded by English words, move to their slugs (and back on a downgrade), and every slug they
    move to is one the registry knows, so their receipts and their API answers still find their action."""
    engine = any_engine
    with engine.begin() as connection:
        command.upgrade(config(connection), "0006")
    words = ["send INF", "redeem a basket", "claim profit", "claim investor profit", "buy shares", "take a refund"]
    now = datetime(2026, 12, 1, 12)
    with engine.begin() as connection:  # rows as the previous version wrote them
        for n, action in enumerate(words):
            connection.execute(
                RelayRequest.__table__.insert().inline().values(
                    id=f"0x{n:064x}", signer="0x" + "44" * 20, target="0x" + "55" * 20, action=action, nonce=n,
                    gas=100_000, deadline=2_000_000_000, data="0x", signature="0x", estimate=50_000,
                    day="2026-12-01", counted=True, status="confirmed", attempts=0, created_at=now, updated_at=now,
                )
            )  # fmt: skip

    def recorded() -> list[str]:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT action FROM relays ORDER BY nonce")).scalars())

    upgrade(engine)
    assert current(engine) == head() and differences(engine) == []
    slugs = recorded()
    assert slugs == ["send-inf", "redeem-basket", "claim-profit", "claim-investor-profit", "buy-shares", "take-refund"]
    assert [BY_SLUG[s].words for s in slugs] == words  # the registry words each as it was recorded
    with engine.begin() as connection:
        command.downgrade(config(connection), "0006")
    assert recorded() == words


def test_relayed_requests_of_the_previous_version_are_given_the_bridge_s_first_town(any_engine: Engine) -> None:
    """Revision 0010 (issue 31): a relayed request records its town. The rows of a bridge of the previous version
    have none; the bridge names its first town in them when it starts, once, and then quotas and turns count them
    as that town's."""
    engine = any_engine
    with engine.begin() as connection:
        command.upgrade(config(connection), "0009")
    now = datetime(2026, 12, 1, 12)
    with engine.begin() as connection:  # a row as the previous version wrote it
        connection.execute(
            text(
                "INSERT INTO relays (id, signer, target, action, nonce, gas, deadline, data, signature, estimate, day, "
                "counted, status, attempts, created_at, updated_at) VALUES ('0x01', :who, :to, 'send-inf', 0, 100000, "
                "2000000000, '0x', '0x', 50000, '2026-12-01', :yes, 'confirmed', 0, :now, :now)"
            ),
            {"who": "0x" + "44" * 20, "to": "0x" + "55" * 20, "yes": True, "now": now},
        )
    upgrade(engine)
    assert current(engine) == head() and differences(engine) == []
    first = "0x" + "66" * 20
    assert name_unnamed_rows(sessions(engine), first) == 1
    assert name_unnamed_rows(sessions(engine), "0x" + "77" * 20) == 0  # once: a replica beside finds none
    with sessions(engine)() as session:
        (row,) = session.scalars(select(RelayRequest))
        assert (row.town, row.action, row.status) == (first, "send-inf", "confirmed")


def test_every_row_of_the_previous_version_is_given_the_bridge_s_first_town(any_engine: Engine) -> None:
    """Revision 0011 (issue 31): every row records its town. A database made by the previous version (0010) keeps
    every row — an API key, a participation and its meal, two batches, a phone account, an ambassador's order, a lost
    SIM's move, an SMS — and the bridge names its first town in them when it starts, but for the batch of relayed
    requests (the network forwarder's: every town's). Then one coordinator may use one id in each of two towns;
    back on 0010 the rows are kept, and a downgrade is refused while the rows name two towns (participations, or any
    other table's: a key)."""
    engine = any_engine
    with engine.begin() as connection:
        command.upgrade(config(connection), "0010")
    now, member, phone = datetime(2026, 12, 1, 12), "0x" + "11" * 20, "+27821234567"
    row = a_participation()
    values = {c.name: getattr(row, c.name) for c in Participation.__table__.columns if c.name != "town"}
    values |= {"attempts": 0, "meal": True, "created_at": now, "updated_at": now, "batch_id": 1}
    with engine.begin() as connection:  # rows as the previous version wrote them
        for n, kind in ((1, "batch"), (2, "relay")):
            connection.execute(
                Batch.__table__.insert().inline().values(
                    id=n, kind=kind, nonce=n, sender=COORDINATOR, tx_hashes=[], raw_tx="0x", tx={}, status="confirmed",
                    size=1, sent_at=now,
                )
            )  # fmt: skip
        connection.execute(Participation.__table__.insert().inline().values(values))
        connection.execute(
            Meal.__table__.insert()
            .inline()
            .values(
                participation_id="p-1", served_on="2026-12-01", served_at=now, member=member, recorded_by=COORDINATOR
            )
        )
        connection.execute(
            ApiKey.__table__.insert()
            .inline()
            .values(id="k1", digest="d" * 64, coordinator=COORDINATOR, name="n", created_at=now)
        )
        connection.execute(
            PhoneAccount.__table__.insert().inline().values(
                phone=phone, address=member, sealed_key="sealed", name="Thandi", pin_failures=0, pin_reset=False,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        connection.execute(
            PhoneOrder.__table__.insert()
            .inline()
            .values(nonce="0x01", action="add", phone=phone, signer=COORDINATOR, created_at=now)
        )
        connection.execute(
            PhoneMove.__table__.insert()
            .inline()
            .values(old_phone=phone, new_phone="+27827654321", proposed_by=COORDINATOR, created_at=now)
        )
        connection.execute(
            Sms.__table__.insert()
            .inline()
            .values(dedupe="d1", phone=phone, body="Hello", status="sent", attempts=0, created_at=now)
        )
    upgrade(engine)
    assert current(engine) == head() and differences(engine) == []
    assert name_unnamed_rows(sessions(engine), TOWN) == 7  # every row but the relay batch (a meal goes with its own)
    assert name_unnamed_rows(sessions(engine), "0x" + "77" * 20) == 0  # once: a replica beside finds none
    with sessions(engine)() as session:
        for table in (Participation, Meal, ApiKey, PhoneAccount, PhoneOrder, PhoneMove, Sms):
            assert [r.town for r in session.scalars(select(table))] == [TOWN], table.__tablename__
        assert {b.kind: b.town for b in session.scalars(select(Batch))} == {"batch": TOWN, "relay": ""}
        kept = session.get(Participation, ("p-1", COORDINATOR, TOWN))
        assert kept is not None and kept.minted == str(10**18) and kept.batch_id == 1
        assert session.get(Meal, ("p-1", COORDINATOR, TOWN)) is not None
        with session.writing():  # the same coordinator's id, in another town: its own participation there
            session.add(Participation(**{**values, "town": "0x" + "88" * 20, "batch_id": None}))
    with pytest.raises(IntegrityError), sessions(engine)() as session, session.writing():
        session.add(Participation(**{**values, "town": TOWN}))  # the same id again in the same town
    with engine.begin() as connection, pytest.raises(RuntimeError, match="several towns"):
        command.downgrade(config(connection), "0010")
    with sessions(engine)() as session, session.writing():
        session.execute(delete(Participation).where(Participation.town != TOWN))
        session.add(ApiKey(id="k2", digest="d" * 64, coordinator=COORDINATOR, name="n", town="0x" + "88" * 20))
    with engine.begin() as connection, pytest.raises(RuntimeError, match="several towns"):  # a key of the second
        command.downgrade(config(connection), "0010")
    with sessions(engine)() as session, session.writing():
        session.execute(delete(ApiKey).where(ApiKey.town != TOWN))
    with engine.begin() as connection:
        command.downgrade(config(connection), "0010")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT participation_id, minted FROM participations")).all() == [
            ("p-1", str(10**18))
        ]
        assert connection.execute(text("SELECT count(*) FROM meals")).scalar() == 1
    upgrade(engine)
    assert differences(engine) == []


def test_a_participation_both_versions_stored_during_a_rolling_upgrade_is_named_once(any_engine: Engine) -> None:
    """Review of issue 31: during a rolling upgrade a coordinator's retry reached a replica of the previous version
    (its row without a town) and one of this version (its row with its town). Naming the older row the first town's
    broke the key that makes a coordinator's id one participation, and the bridge could not start. The older twin
    (and its meal) stays unnamed; every other row is named."""
    engine = any_engine
    upgrade(engine)
    now = datetime(2026, 12, 1, 12)
    twin, alone = a_participation(1), a_participation(2)
    with sessions(engine)() as session, session.writing():
        for row, town in ((twin, TOWN), (a_participation(1), ""), (alone, "")):
            values = {c.name: getattr(row, c.name) for c in Participation.__table__.columns}
            values |= {"town": town, "attempts": 0, "meal": False, "created_at": now, "updated_at": now}
            session.add(Participation(**values))
        session.flush()
        for row in (twin, alone):
            meal = {"served_on": "2026-12-01", "served_at": now, "member": row.member, "recorded_by": COORDINATOR}
            session.add(Meal(participation_id=row.participation_id, town="", **meal))
    assert name_unnamed_rows(sessions(engine), TOWN) == 1  # the lone older row; not its twin
    with sessions(engine)() as session:
        assert sorted((p.participation_id, p.town) for p in session.scalars(select(Participation))) == [
            ("p-1", ""), ("p-1", TOWN), ("p-2", TOWN)
        ]  # fmt: skip
        meals = sorted((m.participation_id, m.town) for m in session.scalars(select(Meal)))
        assert meals == [("p-1", ""), ("p-2", TOWN)]
