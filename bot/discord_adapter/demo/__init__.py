"""`modbot demo`: the whole bot offline, against a Discord simulated in-process by SimCord."""
