"""Claw-backs (*ordres de reversement*, ORs) of paid claims (R42): recorded from the ASP's
notices, never computed."""
