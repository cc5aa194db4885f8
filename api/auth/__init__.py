"""Authentication for every request: the ASGI middleware (`middleware`), bearer JWTs (`tokens`), API
keys (`keys`) and why a request was refused (`errors`)."""
