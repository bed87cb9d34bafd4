from datetime import date

import pytest

from app.core.dates import DateFormatError, parse_bound, parse_date


@pytest.mark.parametrize(
    ("text", "start", "end", "precision", "display"),
    [
        ("2017-02-16", date(2017, 2, 16), date(2017, 2, 16), "day", "16 February 2017"),
        (
            "2017-02-16/2017-02-17",
            date(2017, 2, 16),
            date(2017, 2, 17),
            "day",
            "16–17 February 2017",
        ),
        (
            "2011-11-29/2011-12-02",
            date(2011, 11, 29),
            date(2011, 12, 2),
            "day",
            "29 November – 2 December 2011",
        ),
        ("2017-12", date(2017, 12, 1), date(2017, 12, 31), "month", "December 2017"),
        ("2017-04/2017-11", date(2017, 4, 1), date(2017, 11, 30), "month", "April–November 2017"),
        ("2017", date(2017, 1, 1), date(2017, 12, 31), "year", "2017"),
        ("2013/2014", date(2013, 1, 1), date(2014, 12, 31), "year", "2013–2014"),
        ("2018-23", date(2018, 9, 1), date(2018, 11, 30), "season", "autumn 2018"),
        ("2016-24", date(2016, 12, 1), date(2017, 2, 28), "season", "winter 2016"),
        ("199X", date(1990, 1, 1), date(1999, 12, 31), "decade", "1990s"),
        ("2017~", date(2017, 1, 1), date(2017, 12, 31), "year", "c. 2017"),
        ("2005?", date(2005, 1, 1), date(2005, 12, 31), "year", "2005?"),
        (
            "2025-09-02?/2025-09-04?",
            date(2025, 9, 2),
            date(2025, 9, 4),
            "day",
            "2–4 September 2025?",
        ),
        ("2005~/2006~", date(2005, 1, 1), date(2006, 12, 31), "year", "c. 2005–2006"),
        ("2024-02-29", date(2024, 2, 29), date(2024, 2, 29), "day", "29 February 2024"),
    ],
)
def test_parse_gives_bounds_precision_and_display(text, start, end, precision, display):
    parsed = parse_date(text)
    assert (parsed.lower, parsed.upper, parsed.precision, parsed.display) == (
        start,
        end,
        precision,
        display,
    )
    assert parsed.edtf == text


def test_qualifier_changes_display_not_bounds():
    parsed = parse_date("2017-12", "early")
    assert parsed.display == "early December 2017"
    assert (parsed.lower, parsed.upper) == (date(2017, 12, 1), date(2017, 12, 31))


def test_open_interval():
    parsed = parse_date("2006-01/..")
    assert parsed.upper is None
    assert parsed.display == "from January 2006"
    assert parsed.edtf == "2006-01/.."


@pytest.mark.parametrize(
    "text", ["2017-13", "2017-02-30", "17", "2017-02-16/2016", "../..", "2017-21-01", "spring"]
)
def test_rejects_what_is_not_a_date(text):
    with pytest.raises(DateFormatError):
        parse_date(text)


def test_query_bounds_cover_the_partial_date():
    assert parse_bound("2016", upper=False) == date(2016, 1, 1)
    assert parse_bound("2016-09", upper=True) == date(2016, 9, 30)
    assert parse_bound("2016-02", upper=True) == date(2016, 2, 29)
