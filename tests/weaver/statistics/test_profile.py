from subgraphs.weaver.catalog.model import ColumnMeta
from subgraphs.weaver.statistics.profile import (
    SAMPLE_THRESHOLD,
    plan_columns,
    profile_sql,
    read_profile,
    sample_percent,
)


def test_orderable_types_get_min_max_and_types_with_equality_get_distinct():
    # jsonb has equality (distinct works), json has not
    plans = plan_columns(
        (
            ColumnMeta("a", "integer", True, 1),
            ColumnMeta("b", "jsonb", True, 2),
            ColumnMeta("c", "boolean", True, 3),
            ColumnMeta("d", "timestamp with time zone", True, 4),
            ColumnMeta("e", "text[]", True, 5),
            ColumnMeta("f", "varchar(20)", True, 6),
        )
    )
    assert [(p.distinct, p.min_max) for p in plans] == [
        (True, True),
        (True, False),
        (True, False),
        (True, True),
        (True, False),
        (True, True),
    ]


def test_profile_sql_quotes_names_and_samples_big_tables():
    plans = plan_columns((ColumnMeta('we"ird', "integer", True, 1),))
    sql = profile_sql("postgresql", "s", "t", plans, None)
    assert sql == (
        'SELECT count(*), count("we""ird"), count(DISTINCT "we""ird"), CAST(min("we""ird") AS text), '
        'CAST(max("we""ird") AS text) FROM "s"."t"'
    )
    assert "TABLESAMPLE SYSTEM (10.0000)" in profile_sql("postgresql", "s", "t", plans, 10.0)
    assert "LIMIT" in profile_sql("mariadb", "s", "t", plans, 10.0) and '`we"ird`' in profile_sql(
        "mariadb", "s", "t", plans, None
    )


def test_sampling_starts_above_the_threshold():
    assert sample_percent(None) is None and sample_percent(SAMPLE_THRESHOLD) is None
    assert sample_percent(SAMPLE_THRESHOLD * 10) == 10.0


def test_result_row_becomes_counts_and_ratios():
    plans = plan_columns((ColumnMeta("a", "integer", True, 1), ColumnMeta("b", "json", True, 2)))
    stats = read_profile("s", "t", plans, [4, 3, 2, "1", "9", 0, None, None, None], None, sampled=False)
    a, b = stats.columns
    assert (stats.row_count, stats.sampled, stats.sample_size) == (4, False, None)
    assert (a.null_count, a.null_ratio, a.distinct_count, a.min_value, a.max_value) == (1, 0.25, 2, "1", "9")
    assert (b.null_count, b.null_ratio, b.distinct_count) == (4, 1.0, None)
    sampled = read_profile("s", "t", plans, [100, 100, 5, "1", "2", 0, None, None, None], 5_000_000, sampled=True)
    assert (sampled.row_count, sampled.sample_size) == (5_000_000, 100)


def test_enums_are_measured_by_label_position_and_read_back_as_labels():
    plans = plan_columns((ColumnMeta("p", "mood", True, 1, enum_labels=("urgent", "it's", "back\\slash")),))
    assert "CAST(min(`p` + 0) AS CHAR)" in profile_sql("mariadb", "s", "t", plans, None)
    assert (
        "CAST(min(array_position(ARRAY[E'urgent', E'it''s', E'back\\\\slash']::text[], \"p\"::text)) AS text)"
        in profile_sql("postgresql", "s", "t", plans, None)
    )
    stats = read_profile("s", "t", plans, [3, 2, 2, "1", "3"], None, sampled=False)
    assert (stats.columns[0].min_value, stats.columns[0].max_value) == ("urgent", "back\\slash")
