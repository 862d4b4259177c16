"""How people and programs reach the services: the HTTP API and the command line."""
