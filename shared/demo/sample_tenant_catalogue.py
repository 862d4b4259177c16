"""The sample tenant's shape: its meters, subscriptions, accounts and deployment usage profiles.

The meters were copied from the Azure Retail Prices API snapshot of 2025-08-25
(`retail-prices_azure-openai_eastus2_consumption_2025-08-25.ndjson` and
`retail-prices_aoai-swedencentral-westeurope_2025-08-25.ndjson`): meter id, meter name, product
name, unit of measure, list price (USD), region, retail `location` and `skuName`, verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod, midnight_utc

# The EA negotiated discount on these meters: EffectivePrice = PayGPrice x (1 - discount).
DISCOUNT = Decimal("0.04")
CURRENCY = "USD"
_BLOCKS = {"1K": 1000, "1M": 1_000_000, "1/Hour": 1}


@dataclass(frozen=True)
class SampleMeter:
    """One Retail Prices item, as much of it as the cost export needs."""

    meter_id: str
    meter_name: str
    product: str
    unit: str
    list_price: Decimal
    region: str
    location: str
    sku_name: str

    @property
    def block(self) -> int:
        """Base units (tokens, records) per billed quantity."""
        return _BLOCKS[self.unit]

    @property
    def effective_price(self) -> Decimal:
        return self.list_price * (1 - DISCOUNT)


def _m(
    mid: str, name: str, product: str, unit: str, price: str, region: str, loc: str, sku: str
) -> SampleMeter:
    return SampleMeter(mid, name, product, unit, Decimal(price), region, loc, sku)


_AOAI, _REASONING, _GPT5 = "Azure OpenAI", "Azure OpenAI Reasoning", "Azure OpenAI GPT5"
_EUS2, _SWC = ("eastus2", "US East 2"), ("swedencentral", "SE Central")

# Copied from the Retail Prices snapshot of 2025-08-25 (see the module docstring).
# fmt: off
METERS: dict[str, SampleMeter] = {
    m.meter_id: m
    for m in (
        _m("e44b94b3-934f-5f67-bf3a-c9a64d3a83d5", "gpt 4o 1120 Inp glbl Tokens", _AOAI, "1K",
           "0.0025", *_EUS2, "gpt 4o 1120 Inp glbl"),
        _m("e8a1d52f-14fa-5436-8399-0ceedfe47bef", "gpt 4o 1120 cached Inp glbl Tokens", _AOAI,
           "1K", "0.00125", *_EUS2, "gpt 4o 1120 cached Inp glbl"),
        _m("39ae1495-1ea6-51c4-b153-3b303891275b", "gpt 4o 1120 Outp glbl Tokens", _AOAI, "1K",
           "0.01", *_EUS2, "gpt 4o 1120 Outp glbl"),
        _m("d11e204d-d190-546c-9927-f9887ce16ed2", "gpt-4o-mini-0718-Inp-glbl Tokens", _AOAI,
           "1K", "0.00015", *_EUS2, "gpt-4o-mini-0718-Inp-glbl"),
        _m("f4b6c31e-baf4-5fbe-b3e1-c6bf31f1a3df", "gpt 4o mini 0718 cached Inp glbl Tokens",
           _AOAI, "1K", "7.5e-05", *_EUS2, "gpt 4o mini 0718 cached Inp glbl"),
        _m("5ed304ac-5888-55fb-baa2-8780d3698f81", "gpt-4o-mini-0718-Outp-glbl Tokens", _AOAI,
           "1K", "0.0006", *_EUS2, "gpt-4o-mini-0718-Outp-glbl"),
        _m("79411302-3248-56fa-acef-d3c36c861a0f", "text-embedding-3-small-glbl Tokens", _AOAI,
           "1K", "2e-05", *_EUS2, "text-embedding-3-small-glbl"),
        _m("1d8b4bae-6bb6-5082-9870-949b1db205e6", "o4-mini 0416 Inp glbl Tokens", _REASONING,
           "1K", "0.0011", *_EUS2, "o4-mini 0416 Inp glbl"),
        _m("907b1543-cbd1-5d11-a35c-76770e2ff660", "o4-mini 0416 cached Inp glbl Tokens",
           _REASONING, "1K", "0.000275", *_EUS2, "o4-mini 0416 cached Inp glbl"),
        _m("05c5e200-6643-500a-a245-30c4c6131bf6", "o4-mini 0416 Outp glbl Tokens", _REASONING,
           "1K", "0.0044", *_EUS2, "o4-mini 0416 Outp glbl"),
        _m("c49bbc0f-4a04-5700-b71a-92aa11ab9cee", "GPT 5 Mini Inpt Glbl 1M Tokens", _GPT5, "1M",
           "0.25", *_EUS2, "GPT 5 Mini Inpt Glbl"),
        _m("d3fde0bf-d04f-57d4-a8c8-1d8b19d2ca21", "GPT 5 Mini cchd Inpt Glbl 1M Tokens", _GPT5,
           "1M", "0.025", *_EUS2, "GPT 5 Mini cchd Inpt Glbl"),
        _m("b9ce889d-2272-584c-a68c-c9f120813746", "GPT 5 Mini outpt Glbl 1M Tokens", _GPT5, "1M",
           "2.0", *_EUS2, "GPT 5 Mini outpt Glbl"),
        _m("af6658fb-4d3b-5bdb-974b-a001d996ff6d", "Standard Text Records",
           "Azure AI Content Safety", "1K", "0.375", *_EUS2, "Standard"),
        _m("55f82ecc-5e15-5e12-91f2-3fee86e8fb3e", "gpt 4.1 Inp Data Zone Tokens", _AOAI, "1K",
           "0.0022", *_SWC, "gpt 4.1 Inp Data Zone"),
        _m("a8927796-72b9-5516-9ec4-7098b1af733a", "gpt 4.1 cached Inp Data Zone Tokens", _AOAI,
           "1K", "0.00055", *_SWC, "gpt 4.1 cached Inp Data Zone"),
        _m("0f842d9f-7ad0-520f-bbb4-078cc8b3f314", "gpt 4.1 Outp Data Zone Tokens", _AOAI, "1K",
           "0.0088", *_SWC, "gpt 4.1 Outp Data Zone"),
        _m("89815898-a0cc-59d7-8508-905fdd9ee3fd", "gpt-4o-mini-0718-Inp-regnl Tokens", _AOAI,
           "1K", "0.000165", *_SWC, "gpt-4o-mini-0718-Inp-regnl"),
        _m("bb8e486d-fdf9-51bb-a027-72c4d485aaea", "gpt 4o mini 0718 cached Inp regnl Tokens",
           _AOAI, "1K", "9.1e-05", *_SWC, "gpt 4o mini 0718 cached Inp regnl"),
        _m("03fb923c-b4c6-52b3-85b4-4e8433da6316", "gpt-4o-mini-0718-Outp-regnl Tokens", _AOAI,
           "1K", "0.00066", *_SWC, "gpt-4o-mini-0718-Outp-regnl"),
        _m("6ee3bd5d-85f1-543b-b478-ec44c7825072", "gpt 4.1 mini Inp glbl Tokens", _AOAI, "1K",
           "0.0004", *_SWC, "gpt 4.1 mini Inp glbl"),
        _m("b988c77d-78c1-5d70-8dfa-4e841f490ff8", "gpt 4.1 mini Outp glbl Tokens", _AOAI, "1K",
           "0.0016", *_SWC, "gpt 4.1 mini Outp glbl"),
        _m("78405fe6-2d74-52e6-8cda-2f81f6363877", "gpt-4o-mini-0718-Inp-glbl Tokens", _AOAI,
           "1K", "0.00015", *_SWC, "gpt-4o-mini-0718-Inp-glbl"),
        _m("2433db55-97c7-57a4-b018-e22147a113f3", "gpt 4o mini 0718 cached Inp glbl Tokens",
           _AOAI, "1K", "7.5e-05", *_SWC, "gpt 4o mini 0718 cached Inp glbl"),
        _m("fef7ab0c-049e-52f3-ae0b-3bbe43becaef", "gpt-4o-mini-0718-Outp-glbl Tokens", _AOAI,
           "1K", "0.0006", *_SWC, "gpt-4o-mini-0718-Outp-glbl"),
        _m("c8ede1b2-4a94-50e6-ae8d-df629433ea15", "text-embedding-3-small-glbl Tokens", _AOAI,
           "1K", "2e-05", *_SWC, "text-embedding-3-small-glbl"),
        _m("6dcdbfc4-1d28-5883-84c2-dcdb88e21b56", "Provisioned Managed Global Unit", _AOAI,
           "1/Hour", "1.0", *_EUS2, "Provisioned Managed Global"),
    )
}
# fmt: on
CONTENT_SAFETY_METER = "af6658fb-4d3b-5bdb-974b-a001d996ff6d"
PTU_GLOBAL_METER = "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56"
# A monthly Global PTU reservation bought on the first day of the period, scoped to the
# subscription: it covers up to RESERVED_PTU deployed PTUs each hour (list price, no discount).
RESERVED_PTU = 40
RESERVATION_PRICE_PER_PTU_MONTH = Decimal(260)
RESERVATION_NAME = "aoai-ptu-global-eus2"
RESERVATION_ID = (
    "/providers/Microsoft.Capacity/reservationOrders/7c9d1e2f-0000-4000-8000-0000000000a1"
    "/reservations/2b3c4d5e-0000-4000-8000-0000000000b2"
)


@dataclass(frozen=True)
class SampleSubscription:
    subscription_id: str
    name: str


@dataclass(frozen=True)
class SampleAccount:
    """A Cognitive Services account; `foundry_from_day` is the first day billed as Foundry Models
    (0: never), `lower_case_every` lower-cases the bill's ResourceId on days divisible by it."""

    subscription: SampleSubscription
    resource_group: str
    name: str
    kind: str
    location: str
    foundry_from_day: int = 0
    lower_case_every: int = 0

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription.subscription_id}/resourceGroups/"
            f"{self.resource_group}/providers/Microsoft.CognitiveServices/accounts/{self.name}"
        )


@dataclass(frozen=True)
class SampleDeployment:
    """A deployment and how it is used: daily prompt tokens on a weekday, output per input,
    cached share of the prompt, tokens per request; `days` limits it to a day-of-month range;
    `listed` is False for a deployment deleted before the inventory was read; `created` is the
    (day, hour) it was created within the period ((0, 0): before it); `utilization` is the base
    PTU utilization % of a provisioned deployment."""

    account: SampleAccount
    name: str
    model: str
    version: str
    sku: str
    capacity: int
    meters: tuple[tuple[TokenKind, str], ...]
    weekday_input: int
    output_ratio: float
    cached_share: float = 0.0
    tokens_per_request: int = 1500
    weekend_factor: float = 0.4
    days: tuple[int, int] = (1, 31)
    listed: bool = True
    metrics_gap_day: int = 0
    created: tuple[int, int] = (0, 0)
    utilization: float = 0.0

    @property
    def is_provisioned(self) -> bool:
        return "provisioned" in self.sku.lower()

    def created_at(self, period: BillingPeriod) -> datetime:
        """When ARM says the deployment was created (before the period unless `created` is set)."""
        day, hour = self.created
        if day == 0:
            return datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
        return midnight_utc(period.start.replace(day=day)) + timedelta(hours=hour)

    def hours_on(self, day: int) -> int:
        """Hours of the day (of month) the deployment existed."""
        created_day, created_hour = self.created
        if day < created_day:
            return 0
        return 24 - created_hour if day == created_day else 24


SUB_PROD = SampleSubscription("5b8f0c1e-3a47-4d2b-9e61-2f7a8c4d9b10", "Contoso AI Production")
SUB_EU = SampleSubscription("c2d4e6f8-1a3b-4c5d-8e7f-90a1b2c3d4e5", "Contoso AI Europe")

# fmt: off
EUS2 = SampleAccount(SUB_PROD, "rg-ai-prod", "contoso-ai-eus2", "AIServices", "eastus2", 15)
SWC_OPENAI = SampleAccount(SUB_EU, "rg-ai-eu", "contoso-openai-swc", "OpenAI", "swedencentral",
                           lower_case_every=3)
SWC_RAG = SampleAccount(SUB_EU, "rg-rag-eu", "contoso-ai-rag-swc", "AIServices", "swedencentral",
                        foundry_from_day=1)
ACCOUNTS: tuple[SampleAccount, ...] = (EUS2, SWC_OPENAI, SWC_RAG)

_I, _C, _O = TokenKind.INPUT, TokenKind.CACHED_INPUT, TokenKind.OUTPUT
_GPT4O = (
    (_I, "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"),
    (_C, "e8a1d52f-14fa-5436-8399-0ceedfe47bef"),
    (_O, "39ae1495-1ea6-51c4-b153-3b303891275b"),
)

DEPLOYMENTS: tuple[SampleDeployment, ...] = (
    SampleDeployment(EUS2, "chat-prod", "gpt-4o", "2024-11-20", "GlobalStandard", 450, _GPT4O,
                     weekday_input=24_000_000, output_ratio=0.22, cached_share=0.35,
                     tokens_per_request=2400),
    SampleDeployment(EUS2, "chat-test", "gpt-4o", "2024-11-20", "GlobalStandard", 50, _GPT4O,
                     weekday_input=2_500_000, output_ratio=0.30, cached_share=0.10,
                     tokens_per_request=1800, weekend_factor=0.0),
    SampleDeployment(EUS2, "assistant-mini", "gpt-4o-mini", "2024-07-18", "GlobalStandard", 200,
                     ((_I, "d11e204d-d190-546c-9927-f9887ce16ed2"),
                      (_C, "f4b6c31e-baf4-5fbe-b3e1-c6bf31f1a3df"),
                      (_O, "5ed304ac-5888-55fb-baa2-8780d3698f81")),
                     weekday_input=60_000_000, output_ratio=0.15, cached_share=0.20),
    SampleDeployment(EUS2, "embed-small", "text-embedding-3-small", "1", "GlobalStandard", 350,
                     ((_I, "79411302-3248-56fa-acef-d3c36c861a0f"),),
                     weekday_input=150_000_000, output_ratio=0.0, tokens_per_request=800,
                     weekend_factor=0.6),
    SampleDeployment(EUS2, "reasoning", "o4-mini", "2025-04-16", "GlobalStandard", 100,
                     ((_I, "1d8b4bae-6bb6-5082-9870-949b1db205e6"),
                      (_C, "907b1543-cbd1-5d11-a35c-76770e2ff660"),
                      (_O, "05c5e200-6643-500a-a245-30c4c6131bf6")),
                     weekday_input=6_000_000, output_ratio=1.6, cached_share=0.12,
                     tokens_per_request=3000, weekend_factor=0.2),
    SampleDeployment(EUS2, "agent-gpt5mini", "gpt-5-mini", "2025-08-07", "GlobalStandard", 250,
                     ((_I, "c49bbc0f-4a04-5700-b71a-92aa11ab9cee"),
                      (_C, "d3fde0bf-d04f-57d4-a8c8-1d8b19d2ca21"),
                      (_O, "b9ce889d-2272-584c-a68c-c9f120813746")),
                     weekday_input=20_000_000, output_ratio=0.45, cached_share=0.30,
                     tokens_per_request=5000),
    SampleDeployment(EUS2, "chat-ptu", "gpt-4o", "2024-11-20", "GlobalProvisionedManaged", 50,
                     ((TokenKind.PTU_HOUR, "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56"),),
                     weekday_input=40_000_000, output_ratio=0.2, cached_share=0.4,
                     tokens_per_request=2000, days=(10, 31), created=(10, 12),
                     utilization=48.0),
    SampleDeployment(SWC_OPENAI, "docs-summarizer", "gpt-4.1", "2025-04-14", "DataZoneStandard",
                     150,
                     ((_I, "55f82ecc-5e15-5e12-91f2-3fee86e8fb3e"),
                      (_C, "a8927796-72b9-5516-9ec4-7098b1af733a"),
                      (_O, "0f842d9f-7ad0-520f-bbb4-078cc8b3f314")),
                     weekday_input=15_000_000, output_ratio=0.10, cached_share=0.25,
                     tokens_per_request=6000, weekend_factor=0.1),
    SampleDeployment(SWC_OPENAI, "mini-regional", "gpt-4o-mini", "2024-07-18", "Standard", 30,
                     ((_I, "89815898-a0cc-59d7-8508-905fdd9ee3fd"),
                      (_C, "bb8e486d-fdf9-51bb-a027-72c4d485aaea"),
                      (_O, "03fb923c-b4c6-52b3-85b4-4e8433da6316")),
                     weekday_input=3_000_000, output_ratio=0.25, cached_share=0.05,
                     metrics_gap_day=14),
    SampleDeployment(SWC_OPENAI, "gpt41-mini-pilot", "gpt-4.1-mini", "2025-04-14",
                     "GlobalStandard", 20,
                     ((_I, "6ee3bd5d-85f1-543b-b478-ec44c7825072"),
                      (_O, "b988c77d-78c1-5d70-8dfa-4e841f490ff8")),
                     weekday_input=4_000_000, output_ratio=0.2, days=(1, 5), listed=False),
    SampleDeployment(SWC_RAG, "rag-embed", "text-embedding-3-small", "1", "GlobalStandard", 120,
                     ((_I, "c8ede1b2-4a94-50e6-ae8d-df629433ea15"),),
                     weekday_input=80_000_000, output_ratio=0.0, tokens_per_request=600,
                     weekend_factor=0.3),
    SampleDeployment(SWC_RAG, "rag-chat", "gpt-4o-mini", "2024-07-18", "GlobalStandard", 100,
                     ((_I, "78405fe6-2d74-52e6-8cda-2f81f6363877"),
                      (_C, "2433db55-97c7-57a4-b018-e22147a113f3"),
                      (_O, "fef7ab0c-049e-52f3-ae0b-3bbe43becaef")),
                     weekday_input=12_000_000, output_ratio=0.18, cached_share=0.15),
)
# fmt: on

# Content-safety text records billed on the eastus2 AI Services account (weekdays).
CONTENT_SAFETY_ACCOUNT = EUS2
CONTENT_SAFETY_WEEKDAY_RECORDS = (1_500, 4_000)
# The day of month on which one gpt-4o input meter is billed in two rows (second lower-cased).
SPLIT_ROW_DAY = 20
SPLIT_ROW_METER = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"
