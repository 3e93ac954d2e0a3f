"""Text to speech: the synthesizer port, its Piper adapter, and the voice
bank that turns a registry voice into audio in the service's one format."""
