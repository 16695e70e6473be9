"""The Extract page's form editor and bulk tables, driven by AppTest on the demo project: the owner
adds, checks and retires a characteristics field; long characteristics and wide findings go in
(every bad row listed, nothing written) and out."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from review.extraction.characteristics_table import characteristic_rows
from review.extraction.findings import chartable_records, consensus_findings, set_dual_extraction
from review.extraction.forms import characteristics_of, form_fields, set_characteristic
from tests.app.test_extract_map_pages import EXTRACT, actor, demo, engine, fine, open_page

__all__ = ["demo", "engine"]  # fixtures, used by name


def add_field(app: AppTest, key: str, label: str, field_type: str, choices: str = "") -> AppTest:
    app.text_input(key="extract_field_key").input(key)
    app.text_input(key="extract_field_label").input(label)
    app.selectbox(key="extract_field_type").set_value(field_type)
    app.text_area(key="extract_field_choices").input(choices)
    return fine(app.button(key="FormSubmitter:extract_field_add_form-Add field").click().run())


def test_the_owner_adds_checks_and_retires_a_characteristics_field(engine: Engine, demo: int) -> None:
    app = open_page("demo-owner", EXTRACT)
    add_field(app, "sample_size", "Sample <b>size</b>", "number")
    assert any("Added the field" in s.value for s in app.success), [e.value for e in app.error]
    assert any("\\<b\\>" in s.value for s in app.success)  # the label is shown escaped
    assert [f.field_type for f in form_fields(engine, demo) if f.key == "sample_size"] == ["number"]
    record_id = app.selectbox(key="extract_study").value
    assert app.text_input(key=f"extract_char_{record_id}_sample_size").label == "Sample <b>size</b>"

    for key, field_type, choices, reason in [
        ("sample_size", "text", "", "has a field 'sample_size' already"),
        ("arm", "single", "", "needs its choices"),
        ("Arm!", "text", "", "a key is lower-case letters"),
    ]:
        add_field(app, key, "x", field_type, choices)
        assert any(reason in e.value.replace("\\", "") for e in app.error), (reason, [e.value for e in app.error])
    assert len(form_fields(engine, demo)) == len({f.key for f in form_fields(engine, demo)})

    owner = actor(engine, demo, "demo-owner")
    set_characteristic(engine, demo, owner, record_id, "sample_size", "120")
    app.selectbox(key="extract_retire_field").set_value("sample_size")
    fine(app.button(key="FormSubmitter:extract_field_retire_form-Retire / restore").click().run())
    assert any("Retired the field" in s.value for s in app.success)
    assert "sample_size" not in [f.key for f in form_fields(engine, demo)]
    assert not [t for t in app.text_input if t.key == f"extract_char_{record_id}_sample_size"]
    assert characteristics_of(engine, demo, record_id, owner.user_id)["sample_size"] == "120"  # the value stays


def test_the_owner_changes_the_choices_of_a_field(engine: Engine, demo: int) -> None:
    app = open_page("demo-owner", EXTRACT)
    app.selectbox(key="extract_edit_field").set_value("design")
    fine(app.run())
    choices = app.text_area(key="extract_edit_choices_design")
    assert "qualitative" in choices.value.splitlines()
    choices.input(choices.value + "\nsurvey")
    fine(app.button(key="FormSubmitter:extract_field_edit_form-Change field").click().run())
    assert any("Changed the field design" in s.value for s in app.success), [e.value for e in app.error]
    assert "survey" in next(f for f in form_fields(engine, demo) if f.key == "design").choices


def test_a_reviewer_sees_the_form_but_cannot_change_it(engine: Engine, demo: int) -> None:
    app = open_page("bob", EXTRACT)
    assert not [t for t in app.text_input if t.key == "extract_field_key"]
    assert any("Only the project's owner changes the form." in c.value for c in app.caption)


def test_tables_go_in_with_every_bad_row_listed_and_come_out(engine: Engine, demo: int) -> None:
    app = open_page("demo-owner", EXTRACT)
    key = chartable_records(engine, demo)[0][1]
    app.selectbox(key="extract_bulk_what").set_value("characteristics_long")
    bad = (f"source_key,field,value,coded_by\n{key},design,survey,\n{key},country,Norway,\nnobody,country,Chile,\n"
           f"{key},year_x,1999,\n").encode()
    fine(app.file_uploader(key="extract_bulk_file").set_value([("chars.csv", bad, "text/csv")]).run())
    fine(app.button(key="extract_bulk_import").click().run())
    assert any("Nothing imported: 3 bad rows." in e.value for e in app.error)
    listed = app.code[0].value.splitlines()
    assert [line.split(":")[1] for line in listed] == ["2", "4", "5"]
    assert "not one of the choices" in listed[0] and "no record with source_key 'nobody'" in listed[1]
    assert characteristic_rows(engine, demo) == []

    good = f"source_key,field,value,coded_by\n{key},design,qualitative,\n{key},country,Norway,\n".encode()
    fine(app.file_uploader(key="extract_bulk_file").set_value([("chars.csv", good, "text/csv")]).run())
    fine(app.button(key="extract_bulk_import").click().run())
    assert any("imported 2 characteristics of 1 studies" in s.value for s in app.success), app.code
    assert {(r["field"], r["value"]) for r in characteristic_rows(engine, demo)} == {
        ("design", "qualitative"), ("country", "Norway")}

    before = len(consensus_findings(engine, demo))
    app.selectbox(key="extract_bulk_what").set_value("findings_wide")
    wide = f"source_key,title,barrier: client: Brand new theme\n{key},ignored,1\n".encode()
    fine(app.file_uploader(key="extract_bulk_file").set_value([("wide.csv", wide, "text/csv")]).run())
    fine(app.button(key="extract_bulk_import").click().run())
    assert any("imported 1 findings of 1 studies" in s.value for s in app.success), app.code
    assert len(consensus_findings(engine, demo)) == before + 1

    buttons = {b.key: b.proto.label for b in app.get("download_button")}
    for name in ("findings", "findings_wide", "characteristics", "coding_table"):
        assert buttons[f"extract_{name}_csv"] == "CSV" and buttons[f"extract_{name}_xlsx"] == "XLSX"


def test_agreement_on_characteristics_is_shown_beside_the_findings_agreement(engine: Engine, demo: int) -> None:
    owner = actor(engine, demo, "demo-owner")
    set_dual_extraction(engine, demo, owner, True)
    record_id = chartable_records(engine, demo)[0][0]
    for name, design in (("alice", "qualitative"), ("bob", "RCT")):
        set_characteristic(engine, demo, actor(engine, demo, name), record_id, "design", design)
        set_characteristic(engine, demo, actor(engine, demo, name), record_id, "country", "Norway")
    app = open_page("demo-owner", EXTRACT)
    assert any("Agreement on study characteristics" in m.value for m in app.markdown)
    table = next(frame.value for frame in app.dataframe if "agreement" in frame.value.columns)
    shown = {row["field"]: (row["studies"], row["agreement"]) for row in table.to_dict("records")}
    assert shown == {"Country": (1, 1.0), "Design": (1, 0.0)}
