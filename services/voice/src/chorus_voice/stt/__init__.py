"""Speech to text: the recognizer port, its Whisper adapter, and the
streaming turn logic that decodes while a person is still speaking."""
