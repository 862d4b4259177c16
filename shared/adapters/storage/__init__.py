"""Table and Queue Storage: the stores behind the services' ports."""
