"""Model backends behind one port (`base.Provider`): one folder per family.

`llama_cpp/` runs local GGUF files in-process; `openai/` calls any
OpenAI-compatible API. The composition (which registry entry gets which
adapter) is `build_provider`.
"""
