"""Model families sold on Azure AI Foundry accounts, and the products that bill them: one table.

A family is what provisioned throughput is shared within: a `Provisioned Managed Global Unit`
meter of the `Deepseek model family` product goes to provisioned DeepSeek deployments only, never
to OpenAI ones (the meter name is the same; the product, hence the meter id, tells them apart).
Each row of `FAMILIES` says, for its family,

- which products bill it (retail `productName`, cost `MeterSubCategory`), by exact normalised
  name or by prefix (`normalise_product_name`);
- which deployments are of it: ARM model names by prefix first, then ARM model formats;
- for a family whose meter names carry bare model aliases (`R1`, `V3`), those aliases: they apply
  under the family's own products only. OpenAI meter names are read by the alias table of
  shared/core/meter_models.py, with or without a product.

Adding a family is one member of `ModelFamily` and one row here: the meter parser
(shared/core/meter_names.py), the catalogue (shared/core/catalogue.py), the Retail Prices
filter and the allocation rule for PTU units all read this table.

Other vendors' model products (`Llama models`, `Azure Mistral Models`, `Azure Kimi`) are known,
not read (`OTHER_MODEL_PRODUCT`): their meters enter the catalogue by id and stay unknown meters,
never account charges (`is_model_product`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# A model alias of a family's meter names: a pattern anchored at the start of the normalised meter
# name, and the ARM model name it stands for.
FamilyAlias = tuple[re.Pattern[str], str]


class ModelFamily(Enum):
    """The model families whose meters are read and allocated (the value is how meters name it)."""

    OPENAI = "openai"
    DEEPSEEK = "deepseek"


@dataclass(frozen=True)
class FamilyRow:
    """One family: its products, the deployments of it, and its product-scoped model aliases.

    Product names and prefixes are normalised (`normalise_product_name`); model prefixes and
    formats are lower case.
    """

    family: ModelFamily
    products: frozenset[str] = frozenset()
    product_prefixes: tuple[str, ...] = ()
    model_prefixes: tuple[str, ...] = ()
    model_formats: frozenset[str] = frozenset()
    aliases: tuple[FamilyAlias, ...] = ()

    def bills(self, normalised_product: str) -> bool:
        """True when meters of this (normalised) product bill this family."""
        return normalised_product in self.products or normalised_product.startswith(
            self.product_prefixes
        )


def _aliases(*pairs: tuple[str, str]) -> tuple[FamilyAlias, ...]:
    return tuple((re.compile(pattern), model) for pattern, model in pairs)


FAMILIES: tuple[FamilyRow, ...] = (
    FamilyRow(
        ModelFamily.OPENAI,
        products=frozenset({"azure ai foundry provisioned throughput reservation"}),
        product_prefixes=("azure openai",),
        model_formats=frozenset({"", "openai"}),
    ),
    FamilyRow(
        ModelFamily.DEEPSEEK,
        products=frozenset({"deepseek model family"}),
        model_prefixes=("deepseek", "mai-ds"),
        model_formats=frozenset({"deepseek"}),
        # Bare (`R1`, `V3`): they only apply under the family's own product. First match wins.
        aliases=_aliases(
            (r"mai ds r1\b", "MAI-DS-R1"),
            (r"v3 ?0324\b", "DeepSeek-V3-0324"),
            (r"v3 ?1\b", "DeepSeek-V3.1"),
            (r"v3\b", "DeepSeek-V3"),
            (r"r1 ?0528\b", "DeepSeek-R1-0528"),
            (r"r1\b", "DeepSeek-R1"),
        ),
    ),
)

# Products of other vendors' models on Foundry (`Azure Deepseek Models`, `Llama models`, `MAI
# Models`, `Azure Kimi`): model products whose meters are known by id but not read.
OTHER_MODEL_PRODUCT = re.compile(r"\bmodels?\b|\bkimi\b")


def normalise_product_name(product: str) -> str:
    """A product name as the table compares it: lower case, runs of blanks one blank, trimmed."""
    return " ".join(product.lower().split())


def family_of_product(product: str) -> FamilyRow | None:
    """The family whose meters the product bills (any casing or spacing), or None."""
    name = normalise_product_name(product)
    return next((row for row in FAMILIES if row.bills(name)), None)


def is_openai_product(product: str) -> bool:
    """True for an Azure OpenAI product or the PTU reservation product (case-insensitive)."""
    row = family_of_product(product)
    return row is not None and row.family is ModelFamily.OPENAI


def is_model_product(product: str) -> bool:
    """True for a product that bills models: a family's, or another vendor's model product."""
    if family_of_product(product) is not None:
        return True
    return OTHER_MODEL_PRODUCT.search(normalise_product_name(product)) is not None


def deployment_family(model: str, model_format: str) -> ModelFamily | None:
    """The family of a deployment (ARM model name and format), or None for another vendor's."""
    name = model.lower()
    for row in FAMILIES:
        if name.startswith(row.model_prefixes):
            return row.family
    fmt = model_format.strip().lower()
    return next((row.family for row in FAMILIES if fmt in row.model_formats), None)
