"""ISO 4217 billing currencies: the codes a cost line may be billed in, and their parser.

`ISO_4217_CODES` holds the active alphabetic codes of ISO 4217 "List One" (current currency &
funds, published by SIX Financial Information as the maintenance agency), as of the amendments
that introduced XCG (Caribbean guilder, replacing ANG) and ZWG (Zimbabwe Gold, replacing ZWL);
withdrawn codes (HRK, SLL, CUC, ANG, ZWL, ...) are not in it. The test suite compares it with
`pycountry`'s copy of the list (a dev-only dependency).

Left out on purpose (`NON_BILLING_CODES`): the codes no bill is ever issued in, namely
- funds codes: BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW (indexed or settlement units);
- precious metals: XAG, XAU, XPD, XPT;
- accounting and bond-market units: XBA, XBB, XBC, XBD, XDR, XSU, XUA, XAD;
- XTS (reserved for testing) and XXX (no currency involved).
"""

from __future__ import annotations

from shared.errors import InvalidInput

ISO_4217_CODES: frozenset[str] = frozenset({
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BHD",
    "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN",
    "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD",
    "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES",
    "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL",
    "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN",
    "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP",
    "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK",
    "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT",
    "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
})  # fmt: skip

NON_BILLING_CODES: frozenset[str] = frozenset({
    "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW", "XAG", "XAU", "XPD", "XPT",
    "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XAD", "XTS", "XXX",
})  # fmt: skip


def is_currency(code: str) -> bool:
    """Whether `code` is, exactly (upper case), a billing currency of `ISO_4217_CODES`."""
    return code in ISO_4217_CODES


def parse_currency(text: str | None, where: str, field: str = "currency") -> str:
    """The upper-cased ISO 4217 code of `text`; InvalidInput naming `field` and `where` otherwise.

    `where` names the row in the one-line message (`export.csv line 7`, `rows[3]`).
    """
    code = (text or "").strip().upper()
    if not code:
        raise InvalidInput(
            field, f"{where}: no billing currency; a cost line needs its ISO 4217 code, e.g. USD"
        )
    if code not in ISO_4217_CODES:
        raise InvalidInput(
            field,
            f"{where}: {text!r} is not an ISO 4217 billing currency code (e.g. USD, EUR, JPY)",
        )
    return code
