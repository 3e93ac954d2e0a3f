"""Any OpenAI-compatible chat-completions API (OpenAI, OpenRouter, vLLM, Ollama, llama.cpp server)."""
