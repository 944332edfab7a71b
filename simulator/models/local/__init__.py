"""`local/gemma-3-270m`: the embedded offline model (llama.cpp on CPU)."""
