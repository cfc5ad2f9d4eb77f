"""Model backends (a registry), the local model files and in-process llama.cpp engine, the scripted test backend, usage accounting."""
