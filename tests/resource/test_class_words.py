"""The classification's rules in words and the doubts about them
(seabed.resource.class_words)."""

from seabed.resource import (
    DEFAULT_RULES,
    ClassRule,
    classification_doubts,
    describe_rules,
)


def test_rules_in_words():
    rules = {
        "measured": ClassRule(min_slope_of_regression=0.95, max_nearest_range=1 / 3),
        "indicated": ClassRule(min_cores=8),
    }
    lines = describe_rules(rules, practical_range_m=9_000.0, n_sectors=8)
    assert lines == [
        "Measured: slope of regression at least 0.95, and the nearest core within "
        "1/3 of the practical range (3.0 km).",
        "Indicated: at least 8 cores in the kriging search.",
        "Inferred: every estimated cell not in a class above.",
        "Unclassified: every other cell, and every cell without an estimate.",
    ]
    words = describe_rules({"inferred": ClassRule(max_nearest_range=1.5)})
    assert words[2] == "Inferred: the nearest core within 1.5 practical ranges."


def test_a_range_wider_than_the_area_is_said():
    rules = dict(DEFAULT_RULES)
    (doubt,) = classification_doubts(
        rules, practical_range_m=80_000.0, extent_m=50_000.0
    )
    assert "wider than the area (50 km across)" in doubt
    assert "the indicated and inferred classes, measured" in doubt
    assert (
        classification_doubts(rules, practical_range_m=40_000.0, extent_m=50_000.0)
        == []
    )
    (nugget,) = classification_doubts(rules, practical_range_m=0.0, extent_m=5e4)
    assert "pure nugget" in nugget and "the indicated and inferred classes," in nugget
    # rules that measure nothing in ranges are not in doubt
    plain = {"indicated": ClassRule(min_cores=3)}
    assert classification_doubts(plain, practical_range_m=9e9, extent_m=1.0) == []
