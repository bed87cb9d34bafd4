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


@pytest.mark.parametrize(
    ("text", "lower", "upper", "display"),
    [
        ("2017-21", date(2017, 3, 1), date(2017, 5, 31), "spring 2017"),
        ("2017-22", date(2017, 6, 1), date(2017, 8, 31), "summer 2017"),
        ("2017-23", date(2017, 9, 1), date(2017, 11, 30), "autumn 2017"),
        ("2017-24", date(2017, 12, 1), date(2018, 2, 28), "winter 2017"),
        ("2023-24", date(2023, 12, 1), date(2024, 2, 29), "winter 2023"),
    ],
)
def test_each_season_covers_its_three_months(text, lower, upper, display):
    parsed = parse_date(text)
    assert (parsed.lower, parsed.upper, parsed.precision, parsed.display) == (
        lower,
        upper,
        "season",
        display,
    )
    assert parsed.edtf == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("199X-05", "'199X-05': a decade takes no month or day"),
        ("199X-05-01", "'199X-05-01': a decade takes no month or day"),
        ("2017-21-01", "'2017-21-01': a season takes no day"),
        ("2017-00", "'2017-00': month 0 is not 01-12 or a season 21-24"),
        ("2017-25", "'2017-25': month 25 is not 01-12 or a season 21-24"),
        ("2017-13", "'2017-13': month 13 is not 01-12 or a season 21-24"),
        ("2017-02-00", "'2017-02-00': day 0 does not exist in February 2017"),
        ("2023-02-29", "'2023-02-29': day 29 does not exist in February 2023"),
        ("../..", "'../..': an interval needs at least one end"),
        ("/", "'/': an interval needs at least one end"),
        ("2017-02-16/2017-02-15", "'2017-02-16/2017-02-15': the interval ends before it starts"),
        ("2017~?", "'2017~?' is not a date"),
        ("0000", "'0000' is outside the dates that can be stored: years 0001 to 9999"),
        ("000X", "'000X' is outside the dates that can be stored: years 0001 to 9999"),
        (
            "spring 2017",
            "'spring 2017' is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, a season YYYY-21..24 "
            "(spring..winter) or a decade like 199X, optionally followed by ~, ? or %",
        ),
        ("2017/2018/2019", "'2018/2019' is not a date"),
    ],
)
def test_rejections_say_what_is_wrong(text, message):
    with pytest.raises(DateFormatError) as caught:
        parse_date(text)
    assert str(caught.value).startswith(message)


def test_interval_may_start_and_end_in_the_same_span():
    parsed = parse_date("2017-02-16/2017-02")
    assert (parsed.lower, parsed.upper) == (date(2017, 2, 16), date(2017, 2, 28))
    assert parsed.is_interval
    touching = parse_date("2017-02/2017-02-01")
    assert (touching.lower, touching.upper) == (date(2017, 2, 1), date(2017, 2, 1))


def test_percent_is_approximate_and_uncertain():
    parsed = parse_date("2017-05%")
    assert (parsed.approximate, parsed.uncertain) == (True, True)
    assert (parsed.lower, parsed.upper) == (date(2017, 5, 1), date(2017, 5, 31))
    assert parsed.edtf == "2017-05%"
    assert parsed.display == "c. May 2017?"


@pytest.mark.parametrize(
    ("text", "approximate", "uncertain", "display"),
    [
        ("2017", False, False, "2017"),
        ("2017~", True, False, "c. 2017"),
        ("2017?", False, True, "2017?"),
        ("2017%", True, True, "c. 2017?"),
        ("199X?", False, True, "1990s?"),
        ("199X%", True, True, "c. 1990s?"),
        ("2017-21~", True, False, "c. spring 2017"),
        ("2017-23%", True, True, "c. autumn 2017?"),
    ],
)
def test_each_qualifier_flag(text, approximate, uncertain, display):
    parsed = parse_date(text)
    assert (parsed.approximate, parsed.uncertain, parsed.display, parsed.edtf) == (
        approximate,
        uncertain,
        display,
        text,
    )


@pytest.mark.parametrize(
    ("text", "lower", "upper", "display", "edtf"),
    [
        ("/2017", None, date(2017, 12, 31), "until 2017", "../2017"),
        ("../2017-03", None, date(2017, 3, 31), "until March 2017", "../2017-03"),
        ("2017/", date(2017, 1, 1), None, "from 2017", "2017/.."),
    ],
)
def test_open_ends(text, lower, upper, display, edtf):
    parsed = parse_date(text)
    assert (parsed.lower, parsed.upper, parsed.display, parsed.edtf) == (
        lower,
        upper,
        display,
        edtf,
    )


def test_surrounding_whitespace_is_ignored():
    assert parse_date("  2017-02 \n").edtf == "2017-02"
    assert parse_date(" 2017/2018\t").edtf == "2017/2018"
    assert parse_bound(" 2016 ", upper=True) == date(2016, 12, 31)
    assert parse_bound("\t2016-09-19 ", upper=False) == date(2016, 9, 19)


@pytest.mark.parametrize(
    ("text", "upper", "day"),
    [
        ("2016", False, date(2016, 1, 1)),
        ("2016", True, date(2016, 12, 31)),
        ("2016-09", False, date(2016, 9, 1)),
        ("2016-09", True, date(2016, 9, 30)),
        ("2016-09-19", False, date(2016, 9, 19)),
        ("2016-09-19", True, date(2016, 9, 19)),
        ("199X", False, date(1990, 1, 1)),
        ("199X", True, date(1999, 12, 31)),
        ("2016-24", True, date(2017, 2, 28)),
    ],
)
def test_query_bound_is_the_first_or_last_day(text, upper, day):
    assert parse_bound(text, upper=upper) == day


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("2017-02-16/2017-03-02", "16 February – 2 March 2017"),
        ("2016-12-30/2017-01-02", "30 December 2016 – 2 January 2017"),
        ("2016-11/2017-02", "November 2016 – February 2017"),
        ("2017-03/2017-03-15", "March 2017 – 15 March 2017"),
        ("2017-21/2017-23", "spring 2017 – autumn 2017"),
        ("198X/199X", "1980s – 1990s"),
        ("2017~/2018", "c. 2017 – 2018"),
        ("2017?/2018?", "2017–2018?"),
        ("2017?/2018", "2017? – 2018"),
        ("2017/2018~", "2017 – c. 2018"),
        ("2017%/2018%", "c. 2017–2018?"),
        ("2017-02-16~/2017-02-17~", "c. 16–17 February 2017"),
    ],
)
def test_interval_display(text, display):
    assert parse_date(text).display == display


def test_qualifier_prefixes_any_display():
    assert parse_date("2017-21", "late").display == "late spring 2017"
    assert parse_date("2016/2017", "mid").display == "mid 2016–2017"


@pytest.mark.parametrize(
    ("text", "precision"),
    [
        ("2017-02-16/2017-03", "month"),
        ("2017-02/2017-21", "season"),
        ("2017-21/2018", "year"),
        ("1995/201X", "decade"),
        ("2017-02-16/..", "day"),
    ],
)
def test_interval_precision_is_its_coarsest_end(text, precision):
    assert parse_date(text).precision == precision
