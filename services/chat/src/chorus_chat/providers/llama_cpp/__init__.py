"""Local GGUF models run in-process by llama-cpp-python."""
