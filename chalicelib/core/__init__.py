"""Platform pieces every context uses: settings, clients, errors, HTTP, idempotency."""
