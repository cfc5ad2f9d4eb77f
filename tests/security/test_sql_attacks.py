"""Every hostile statement of the attack corpus is refused with the right code;
harmless look-alikes are accepted and run as exactly their harmless part."""

from __future__ import annotations

from collections import Counter

import psycopg2
import pytest

from engine.errors import SqlRefused
from engine.policy.validator import validate
from tests.security.attack_corpus import HARMLESS, accepted_codes, attacks
from tests.validator_corpus import SETUP_SQL, retail_schema

SCHEMA = retail_schema()
ATTACKS = attacks()


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_attack_is_refused(attack) -> None:
    with pytest.raises(SqlRefused) as info:
        validate(attack.sql, SCHEMA)
    assert info.value.code in accepted_codes(attack), info.value.message


def test_corpus_is_large_and_varied() -> None:
    assert len(ATTACKS) >= 300 and len({a.id for a in ATTACKS}) == len(ATTACKS)
    families = Counter(a.id.split(":")[0] for a in ATTACKS)
    assert len(families) >= 12 and min(families.values()) >= 5


def test_allowing_system_catalogs_lets_no_write_through() -> None:
    for attack in ATTACKS:
        if attack.code != "system_catalog":
            with pytest.raises(SqlRefused):
                validate(attack.sql, SCHEMA, allow_system_catalogs=True)


@pytest.mark.parametrize(("sql", "expected"), list(HARMLESS.values()), ids=list(HARMLESS))
def test_harmless_lookalike_runs_as_its_harmless_part(make_db, sql: str, expected: str) -> None:
    out = validate(sql, SCHEMA).sql
    assert out == expected
    conn = psycopg2.connect(make_db(SETUP_SQL, name="attacks_harmless"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(out)
            cur.execute("SELECT count(*) FROM orders")
            assert cur.fetchone()[0] == 20
    finally:
        conn.close()
