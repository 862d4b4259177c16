"""The pure core: no I/O, no Azure SDKs, no environment."""
