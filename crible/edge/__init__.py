"""What the HTTP API (``crible.api``) and the web app (``crible.web``) share: who is calling
(``security``), what the app holds for a request (``state``), the server's settings."""
