"""Reading what a person typed: numbers the Colombian way, a percentage in points whatever its size,
free-text limits, years and periods; every rejection a Spanish sentence (property-based where it helps)."""
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import fmt, validation
from metrics.accounts import Rejected

PCT = {"code": "X", "unit": "%", "valid_min": 0, "valid_max": 100, "denominator": "Total", "frequency": "T",
       "start_year": 2020}
HOURS = {"code": "H", "unit": "horas", "valid_min": 0, "valid_max": None, "denominator": None, "frequency": "M",
         "start_year": 2020}
COUNT = {"code": "C", "unit": "#", "valid_min": 0, "valid_max": None, "denominator": None, "frequency": "S",
         "start_year": 2020}


# -- parsing and validation, property-based ---------------------------------------------------
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(1, 4))
def test_colombian_format_parses_back(x, decimals):
    text = fmt.number(x, decimals)
    assert validation.parse_number(text)[0] == pytest.approx(round(x, decimals), abs=10 ** -decimals)


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_plain_point_decimal_parses(x):
    assert validation.parse_number(f"{x:.2f}")[0] == pytest.approx(round(x, 2), abs=0.01)


@given(st.text(max_size=20))
def test_any_text_is_a_number_or_a_spanish_rejection(text):
    try:
        number, _ = validation.parse_number(text)
    except Rejected as exc:
        assert "número" in exc.message
    else:
        assert number == number and abs(number) < float("inf")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_accepted_percentages_are_within_0_and_100(x):
    try:
        measured = validation.measure(PCT, x)
    except Rejected:
        assert not (0 <= x <= 100)
    else:
        assert 0 <= measured.value <= 100 and measured.value == x


@given(st.floats(min_value=0, max_value=1e6), st.floats(min_value=0, max_value=1e6))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_numerator_and_denominator(num, den):
    try:
        measured = validation.measure(PCT, None, num, den)
    except Rejected as exc:
        assert den == 0 or num / den > 1, exc.message
    else:
        assert measured.value == pytest.approx(num / den * 100)
        assert (measured.numerator, measured.denominator) == (num, den)


@given(st.integers(-1000, 1000))
def test_counts_are_non_negative_integers(n):
    if n < 0:
        with pytest.raises(Rejected, match="negativo"):
            validation.measure(COUNT, n)
    else:
        assert validation.measure(COUNT, n).value == n
        with pytest.raises(Rejected, match="entero"):
            validation.measure(COUNT, n + 0.5)


@pytest.mark.parametrize("raw, expected", [("85,5", 85.5), ("85 %", 85.0), ("85%", 85.0), (" 99.5 ", 99.5),
                                           ("1.234,5", 1234.5), ("1.234.567", 1234567.0), ("0,85", 0.85),
                                           ("1.500", 1500.0), ("1.234", 1234.0), ("-1.500", -1500.0),
                                           ("0.500", 0.5), ("12.5", 12.5), ("1,500", 1.5),
                                           (70, 70.0), ("-3", -3.0)])
def test_parse_examples(raw, expected):
    assert validation.parse_number(raw)[0] == expected


@pytest.mark.parametrize("raw", ["abc", "", "1,2,3", "85,", "1e5", "inf", "nan", "--1", "8 5 x", True, "1.50.0",
                                 "12.34.567"])
def test_parse_rejections(raw):
    with pytest.raises(Rejected):
        validation.parse_number(raw)


@pytest.mark.parametrize("ficha, kwargs, message", [
    (PCT, {"value": "120"}, "entre 0 y 100"),
    (PCT, {"value": "-1"}, "entre 0 y 100"),
    (PCT, {"numerator": 5, "denominator": 0}, "denominador no puede ser cero"),
    (PCT, {"numerator": 5}, "numerador y el denominador"),
    (PCT, {"value": "80", "numerator": 1, "denominator": 2}, "no coincide"),
    (HOURS, {"value": "5 %"}, "no en porcentaje"),
    (HOURS, {"numerator": 1, "denominator": 2}, "no tiene numerador"),
    (HOURS, {}, "Escriba el valor"),
    (COUNT, {"value": "diez"}, "no es un número"),
])
def test_value_rejections_in_spanish(ficha, kwargs, message):
    with pytest.raises(Rejected, match=message):
        validation.measure(ficha, **kwargs)


@pytest.mark.parametrize("raw, stored", [(85, 85.0), ("85", 85.0), ("85 %", 85.0), ("85,5", 85.5), (1, 1.0),
                                         ("1", 1.0), (0.95, 0.95), ("0,95", 0.95), ("0,5", 0.5), ("0.5", 0.5),
                                         (100, 100.0), (0, 0.0)])
def test_a_percentage_is_read_in_percentage_points_whatever_its_size(raw, stored):
    assert validation.measure(PCT, raw).value == stored


@pytest.mark.parametrize("year, period, message", [(2025, 5, "no existe"), (2025, 0, "no existe"),
                                                   (2025, 4, "aún no ha terminado"), (2019, 1, "se mide desde"),
                                                   ("dos mil", 1, "entero"), (2025, 1.5, "entero")])
def test_period_rejections(year, period, message):
    with pytest.raises(Rejected, match=message):
        validation.resolve_period(PCT, year, period, date(2025, 9, 1))


# -- limits and messages (issue 10, point 5) ---------------------------------------------------
@pytest.mark.parametrize("kind", list(validation.TEXT_LIMITS))
def test_every_free_text_field_has_a_limit_with_a_spanish_message(kind):
    limit = validation.TEXT_LIMITS[kind]
    assert validation.text("x" * limit, kind) == "x" * limit
    with pytest.raises(Rejected, match=f"máximo es {fmt.number(limit, 0)}"):
        validation.text("x" * (limit + 1), kind)
    assert validation.limit_caption(kind) == f"Máximo {fmt.number(limit, 0)} caracteres."


@pytest.mark.parametrize("year, period, message", [
    (1e20, 1, "número entero de pocas cifras"), ("1e20", 1, "número entero de pocas cifras"),
    (20025, 1, "El año 20025 no es válido: escriba un año entre 2020 y 2025"),
    ("20025", 1, "El año 20025 no es válido"), (float("inf"), 1, "número entero"),
    (2025, 1e20, "número entero de pocas cifras"), (2025, 10 ** 8, "no existe"),
    (-5, 1, "se mide desde 2020"),
])
def test_absurd_years_and_periods_are_answered_in_spanish(year, period, message):
    with pytest.raises(Rejected, match=message) as caught:
        validation.resolve_period(PCT, year, period, date(2025, 9, 1))
    assert "out of range" not in caught.value.message and "year" not in caught.value.message


@pytest.mark.parametrize("raw, stored", [("1.500", 1500), ("1.500,5", 1500.5), ("12.000", 12000), ("1500", 1500)])
def test_the_colombian_thousands_separator(raw, stored):
    assert validation.measure(HOURS, raw).value == stored


def test_a_thousands_figure_in_a_percentage_is_refused_with_the_reading_shown():
    with pytest.raises(Rejected, match="entre 0 y 100; se recibió 1.500,00. Se escribe en puntos porcentuales"):
        validation.measure(PCT, "1.500")


@pytest.mark.parametrize("value, unit, shown", [(85, "%", "85,0 %"), (0.85, "%", "0,85 %"), (1, "%", "1,0 %"),
                                                (1500, "#", "1.500"), (1.5, "#", "1,5"), (2.25, "horas", "2,25 horas")])
def test_the_preview_shows_the_value_as_it_will_be_stored(value, unit, shown):
    assert validation.as_stored(value, unit) == shown
