"""Deployment-level cost attribution for Azure OpenAI: the domain package."""
