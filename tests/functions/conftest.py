from tests.doubles.fixtures import azure_tls, network_guard, serve_azure

__all__ = ["azure_tls", "network_guard", "serve_azure"]
