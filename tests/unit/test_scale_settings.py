"""The scale settings: accounts per allocation shard and the API's reuse of a token read."""

from __future__ import annotations

import pytest

from shared.errors import ConfigurationError
from shared.settings import Settings

STORAGE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}


def test_the_scale_settings_default_to_a_hundred_accounts_and_a_second() -> None:
    settings = Settings.from_env(STORAGE)
    assert settings.shard_accounts == 100 and settings.read_token_ttl_ms == 1000
    chosen = Settings.from_env(
        {**STORAGE, "ALLOCATION_SHARD_ACCOUNTS": " 7 ", "READ_TOKEN_TTL_MS": "0"}
    )
    assert chosen.shard_accounts == 7 and chosen.read_token_ttl_ms == 0


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("ALLOCATION_SHARD_ACCOUNTS", "0", "must be positive"),
        ("ALLOCATION_SHARD_ACCOUNTS", "many", "whole number"),
        ("READ_TOKEN_TTL_MS", "-1", "0..60000"),
        ("READ_TOKEN_TTL_MS", "60001", "0..60000"),
        ("READ_TOKEN_TTL_MS", "1.5", "0..60000"),
    ],
)
def test_a_bad_scale_setting_fails_at_start_naming_it(name: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=f"setting {name}: .*{message}"):
        Settings.from_env({**STORAGE, name: raw})
