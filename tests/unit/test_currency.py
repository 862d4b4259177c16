"""ISO 4217 billing currencies: the real list, and parse_currency's one-line errors."""

from __future__ import annotations

import pycountry
import pytest

from shared.core.currency import ISO_4217_CODES, NON_BILLING_CODES, is_currency, parse_currency
from shared.errors import InvalidInput


def test_the_list_is_pycountrys_iso_4217_list_less_the_codes_no_bill_uses() -> None:
    published = {currency.alpha_3 for currency in pycountry.currencies}

    assert published - NON_BILLING_CODES == ISO_4217_CODES
    assert published >= NON_BILLING_CODES  # every code left out is a real ISO 4217 code


def test_the_list_holds_the_currencies_azure_bills_in_and_no_fund_or_withdrawn_code() -> None:
    billed = {"USD", "EUR", "GBP", "JPY", "CHF", "SEK", "NOK", "DKK", "INR", "BRL", "AUD", "CAD",
              "CNY", "KRW", "IDR", "TWD", "NZD", "ZAR", "MXN"}  # fmt: skip
    assert billed <= ISO_4217_CODES
    assert not {"XXX", "XTS", "XAU", "XDR", "CHE", "USN", "CLF"} & ISO_4217_CODES
    assert not {"HRK", "SLL", "ZWL", "CUC", "ANG"} & ISO_4217_CODES  # withdrawn
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in ISO_4217_CODES)


@pytest.mark.parametrize(("text", "code"), [("usd", "USD"), (" Eur ", "EUR"), ("JPY", "JPY")])
def test_a_code_is_upper_cased(text: str, code: str) -> None:
    assert parse_currency(text, "line 2") == code
    assert is_currency(code)


@pytest.mark.parametrize("text", ["XYZ", "", "  ", None, "US", "USDX", "XAU", "XXX"])
def test_an_empty_or_unknown_code_is_refused_naming_the_row(text: str | None) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_currency(text, "export.csv line 7", "BillingCurrencyCode")

    assert err.value.field == "BillingCurrencyCode"
    message = str(err.value)
    assert "export.csv line 7" in message
    assert "ISO 4217" in message
    assert "\n" not in message


def test_is_currency_wants_the_upper_case_code() -> None:
    assert is_currency("SEK")
    assert not is_currency("sek")
    assert not is_currency("")
