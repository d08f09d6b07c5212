from subgraphs.weaver.glossary.csv_format import parse_glossary_csv, render_glossary_csv
from subgraphs.weaver.glossary.import_plan import CREATE, UNCHANGED, UPDATE, plan_import
from subgraphs.weaver.glossary.model import TermData, creates_cycle

CSV = """name,definition,synonyms,parent,owner,status,related
Revenue,Money earned,Sales|Turnover,,finance,approved,
Net revenue,Revenue after discounts,,Revenue,finance,DRAFT,Revenue
"""


def test_csv_parses_lists_and_normalises_status():
    rows, problems = parse_glossary_csv(CSV)
    assert problems == []
    (line1, revenue), (line2, net) = rows
    assert (line1, line2) == (2, 3)
    assert revenue == TermData("Revenue", "Money earned", ("Sales", "Turnover"), None, "finance", "APPROVED", ())
    assert net.parent == "Revenue" and net.related == ("Revenue",)


def test_export_then_import_round_trips():
    rows, _ = parse_glossary_csv(CSV)
    terms = [t for _, t in rows]
    again, problems = parse_glossary_csv(render_glossary_csv(terms))
    assert problems == [] and [t for _, t in again] == sorted(terms, key=lambda t: t.name.lower())


def test_bad_header_is_reported_on_line_1():
    assert parse_glossary_csv("title,definition\nx,y\n")[1][0].line == 1
    assert "unknown columns" in parse_glossary_csv("name,colour\nx,y\n")[1][0].message


def test_plan_creates_updates_and_keeps_unchanged_terms():
    existing = {
        "Revenue": TermData("Revenue", "Money earned", ("Sales", "Turnover"), None, "finance", "APPROVED"),
        "Cost": TermData("Cost", "Money spent"),
    }
    rows, _ = parse_glossary_csv(CSV + "Cost,Money spent outright,,,,,\n")
    plan = plan_import(existing, rows)
    assert plan.problems == []
    actions = {c.name: (c.action, c.fields) for c in plan.changes}
    assert actions["Revenue"] == (UNCHANGED, ())
    assert actions["Net revenue"][0] == CREATE
    assert actions["Cost"] == (UPDATE, ("definition",))


def test_plan_reports_unknown_parents_duplicates_bad_status_and_cycles():
    existing = {"A": TermData("A", parent="B"), "B": TermData("B")}
    rows, _ = parse_glossary_csv("name,parent,status,related\nX,Nope,,\nX,,,\nY,,WRONG,\nB,A,,\nZ,,,Ghost\n")
    plan = plan_import(existing, rows)
    problems = {(p.line, p.field) for p in plan.problems}
    assert problems == {(2, "parent"), (3, "name"), (4, "status"), (5, "parent"), (6, "related")}


def test_cycle_detection_follows_the_whole_chain():
    parents = {"a": "b", "b": "c", "c": None}
    assert creates_cycle(parents, "c", "a")
    assert not creates_cycle(parents, "c", None)
    assert creates_cycle(parents, "x", "x")


def test_list_items_with_separators_quotes_newlines_and_unicode_round_trip():
    tricky = (
        "A|B",
        'say "hi"',
        "two\nlines",
        "comma, inside",
        "Umsatz ✓ 売上",
        "carriage\rreturn",
        '"quoted"|and|"piped"',
        "|",
        '"',
    )
    terms = [
        TermData('Gross "sales"', related=("Revenue",)),
        TermData("Net|revenue", related=("Revenue",)),
        TermData(
            "Revenue",
            'Money, "earned"\nacross\rlines',
            tricky,
            None,
            "finance",
            "APPROVED",
            ('Gross "sales"', "Net|revenue"),
        ),
    ]
    again, problems = parse_glossary_csv(render_glossary_csv(terms))
    assert problems == [] and [t for _, t in again] == terms
    plan = plan_import({t.name: t for t in terms}, again)
    assert {c.action for c in plan.changes} == {UNCHANGED}


def test_hand_written_plain_lists_still_read():
    rows, _ = parse_glossary_csv('name,synonyms\nRevenue,Sales | Turnover|5" screen\n')
    assert rows[0][1].synonyms == ("Sales", "Turnover", '5" screen')


def test_a_row_the_csv_module_refuses_is_a_problem_on_its_line_and_the_other_rows_still_read():
    rows, problems = parse_glossary_csv("name\nA\n" + "x" * 200_000 + "\nB\n")
    assert [t.name for _, t in rows] == ["A", "B"]
    assert [(p.line, p.field) for p in problems] == [(3, None)] and "field larger" in problems[0].message


def test_a_header_the_csv_module_refuses_is_a_problem_on_line_1():
    assert [(p.line, p.field) for p in parse_glossary_csv("x" * 200_000 + "\nA\n")[1]] == [(1, None)]
