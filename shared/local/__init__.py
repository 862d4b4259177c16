"""The local stack for the demo and the tests: Azurite, started by the project itself."""
