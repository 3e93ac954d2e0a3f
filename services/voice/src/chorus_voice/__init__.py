"""Chorus voice service: speech to text (faster-whisper) and text to speech (Piper)."""
