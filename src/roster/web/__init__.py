"""The admin panel (X-UI1): server-rendered pages over the same services as the API."""
