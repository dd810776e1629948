"""The moderation pipeline: message -> normalize -> score -> rules -> act -> record."""
