"""Foreign keys implied by column names (engine/schema/inferred_keys.py), on schemas introspected from real databases."""

from __future__ import annotations

from engine.schema.inferred_keys import with_inferred_keys
from engine.instruments import Instruments
from engine.schema.render import render_table
from engine.settings import Settings

SETUP = """
CREATE TABLE patients (id bigint, name text, city text);
CREATE TABLE visits (visit_id bigint, patient_id bigint, city text, doctorid text);
CREATE TABLE doctors (doctorid text PRIMARY KEY, name text);
CREATE TABLE categories (category_id int, label text);
CREATE TABLE items (item_id int, category_id int, paid boolean);
CREATE TABLE notes (patient_id text, body text);
CREATE TABLE wards (ward_id int PRIMARY KEY);
CREATE TABLE beds (bed_id int, ward_id int REFERENCES wards(ward_id), patients_id int);
"""


def _edges(schema) -> set[tuple[str, str, str, str, bool]]:
    return {(fk.from_table, fk.from_columns[0], fk.to_table, fk.to_columns[0], fk.inferred) for t in schema.tables for fk in t.foreign_keys}


def test_names_imply_the_missing_keys(make_schema_db) -> None:
    _, schema = make_schema_db(SETUP)
    inferred = with_inferred_keys(schema)
    assert _edges(inferred) == {
        ("visits", "patient_id", "patients", "id", True),  # the target's column named id
        ("visits", "doctorid", "doctors", "doctorid", True),  # its primary key
        ("items", "category_id", "categories", "category_id", True),  # plural -ies; no id: the same name
        ("beds", "ward_id", "wards", "ward_id", False),  # declared, kept as it was
        ("beds", "patients_id", "patients", "id", True),
    }
    # notes.patient_id is text, patients.id a number: no edge; categories.category_id is its own table's
    assert _edges(schema) == {("beds", "ward_id", "wards", "ward_id", False)}  # the input is not changed
    visits = inferred.table("visits")
    assert "patient_id bigint REFERENCES patients(id)" in render_table(visits)
    assert sorted(fk.from_table for fk in inferred.table("patients").referenced_by) == ["beds", "visits"]
    assert inferred.join_paths(inferred.table("patients"), inferred.table("doctors")) != []  # via visits


def test_ambiguous_names_imply_nothing(make_schema_db) -> None:
    _, schema = make_schema_db("CREATE TABLE box (id int); CREATE TABLE boxes (id int); CREATE TABLE parcels (box_id int);")
    assert _edges(with_inferred_keys(schema)) == set()


def test_sessions_see_inferred_keys(make_db) -> None:
    url = make_db("CREATE TABLE authors (id int, name text); CREATE TABLE books (title text, author_id int);")
    schema = Instruments.load_schema(Settings(), url, refresh=True)
    assert _edges(schema) == {("books", "author_id", "authors", "id", True)}
