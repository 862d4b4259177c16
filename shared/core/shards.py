"""Shards of a period's allocation: contiguous ranges of account keys, allocated one queue message
each and folded into the period's summary once all of them are in (docs/sharding.md).

Allocation is independent per account and day, so a period splits by account. A plan cuts the
sorted account keys of the period's inventory into runs of `accounts_per_shard`; shard i holds
every key in [lower_i, lower_{i+1}), the first from "" and the last without an upper bound, so the
shards of a plan cover every key, accounts the inventory never saw and cost rows without a
resource included: each cost line and usage record belongs to exactly one shard. A plan's id is
the digest of its bounds: parts of one plan (and one input version) fold together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from shared.core.arm_ids import parse_account_id
from shared.core.digest import digest
from shared.core.inventory import InventorySnapshot
from shared.errors import InvalidInput

NO_ACCOUNT_KEY = "_none"  # the key of cost rows without a resource
MAX_SHARDS = 1_000


def account_shard_key(account_id: str) -> str:
    """The key that places an account (or a row of it) in a shard: its table key."""
    return parse_account_id(account_id).key if account_id else NO_ACCOUNT_KEY


@dataclass(frozen=True)
class AccountShard:
    """Shard `index` of `count` of plan `plan`: the account keys in [lower, upper) ("" as upper:
    no bound)."""

    index: int
    count: int
    lower: str
    upper: str
    plan: str

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS:
            raise InvalidInput("shard.count", f"must be in [1, {MAX_SHARDS}], got {self.count}")
        if not 0 <= self.index < self.count:
            raise InvalidInput("shard.index", f"must be in [0, {self.count}), got {self.index}")
        if self.upper and self.upper <= self.lower:
            raise InvalidInput("shard.to", f"must sort after shard.from, got {self.upper!r}")

    def holds(self, key: str) -> bool:
        """Whether an account key falls in this shard."""
        return self.lower <= key and (not self.upper or key < self.upper)

    def holds_account(self, account_id: str) -> bool:
        return self.holds(account_shard_key(account_id))

    def __str__(self) -> str:
        return f"shard {self.index + 1}/{self.count}"


def shard_plan(account_keys: Iterable[str], accounts_per_shard: int) -> tuple[AccountShard, ...]:
    """The shards of a period whose inventory has `account_keys`: one when they fit one shard."""
    if accounts_per_shard < 1:
        raise InvalidInput("accounts_per_shard", f"must be >= 1, got {accounts_per_shard}")
    keys = sorted(set(account_keys))
    lowers = [""] + [keys[i] for i in range(accounts_per_shard, len(keys), accounts_per_shard)]
    if len(lowers) > MAX_SHARDS:
        raise InvalidInput(
            "accounts_per_shard",
            f"{len(keys)} accounts in shards of {accounts_per_shard} make {len(lowers)} shards, "
            f"more than {MAX_SHARDS}: raise it",
        )
    plan = digest(*lowers, length=16)
    uppers = [*lowers[1:], ""]
    return tuple(
        AccountShard(i, len(lowers), lower, upper, plan)
        for i, (lower, upper) in enumerate(zip(lowers, uppers, strict=True))
    )


def inventory_keys(snapshots: Sequence[InventorySnapshot]) -> set[str]:
    """The account keys of every deployment the period's inventory has seen."""
    return {d.account.key for snapshot in snapshots for d in snapshot.deployments}


def shard_snapshots(
    snapshots: Sequence[InventorySnapshot], shard: AccountShard
) -> list[InventorySnapshot]:
    """The snapshots with only the deployments of the shard's accounts."""
    return [
        replace(s, deployments=tuple(d for d in s.deployments if shard.holds(d.account.key)))
        for s in snapshots
    ]
