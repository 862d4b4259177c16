"""INSIGHTS_THRESHOLDS: the detectors' defaults, overridden by name=value pairs, every bad pair
a ConfigurationError naming the setting."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

import pytest

from shared.core.findings import Thresholds
from shared.errors import ConfigurationError
from shared.settings import INSIGHTS_THRESHOLDS, STORAGE, Settings, thresholds


def test_unset_or_blank_is_the_defaults() -> None:
    assert thresholds(None) == thresholds("") == thresholds(" , ") == Thresholds()
    settings = Settings.from_env({STORAGE: "UseDevelopmentStorage=true"})
    assert settings.insights == Thresholds()


def test_pairs_override_their_fields_exactly_and_keep_the_others() -> None:
    found = thresholds(" ptu_min_utilization = 0.65 , batch_min_days=10")
    assert found.ptu_min_utilization == Decimal("0.65")
    assert isinstance(found.batch_min_days, int) and found.batch_min_days == 10
    assert found.batch_max_variation == Thresholds().batch_max_variation
    env = {STORAGE: "UseDevelopmentStorage=true", INSIGHTS_THRESHOLDS: "batch_min_days=3"}
    assert Settings.from_env(env).insights.batch_min_days == 3


def test_every_field_can_be_set_by_its_name() -> None:
    for field in fields(Thresholds):
        default = getattr(Thresholds(), field.name)
        text = "2" if isinstance(default, int) else "0.25"
        assert str(getattr(thresholds(f"{field.name}={text}"), field.name)) == text


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("no_such_threshold=1", "no_such_threshold"),
        ("ptu_min_utilization", "name=value"),
        ("batch_min_days=2.5", "whole number"),
        ("ptu_min_utilization=abc", "decimal number"),
        ("ptu_min_utilization=NaN", "finite"),
        ("batch_min_days=-1", "negative"),
    ],
)
def test_a_bad_pair_is_a_configuration_error_naming_the_setting(raw: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        thresholds(raw)
    assert INSIGHTS_THRESHOLDS in str(error.value) and says in str(error.value)
