"""The bundled sample tenant and the local stack (Azurite); not deployed (.funcignore)."""
