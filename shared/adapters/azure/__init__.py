"""Adapters to Azure services through the real SDK clients: Cost Management, ARM, Azure Monitor,
the Retail Prices API and credentials."""
