"""The "POS-lokaal" news update (seed 000 §4, "Communicatiemiddelen": "Nieuwsupdate
'POS-lokaal'"): POS staff write an update, preview it and send it to the core-group members and
network entrepreneurs who opted in, nationally or for one office; sent updates form a public
archive."""
