"""The article digest: source -> extract -> clean -> summarize -> post -> mark posted."""
