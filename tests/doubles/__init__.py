"""HTTPS test doubles of the Azure APIs, rendered from domain records (never from adapter code)."""

from tests.doubles.arm import DoubleAccount
from tests.doubles.azure import CLIENT_ID, CLIENT_SECRET, TENANT_ID, AzureDouble
from tests.doubles.cost_query import QPU_RETRY_AFTER
from tests.doubles.server import RecordedRequest

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "QPU_RETRY_AFTER",
    "TENANT_ID",
    "AzureDouble",
    "DoubleAccount",
    "RecordedRequest",
]
