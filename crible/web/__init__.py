"""The web app: server-rendered pages for reviewers and investigators."""
