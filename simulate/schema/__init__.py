"""The scenario format: the pydantic model, safe YAML, loading with extends/include, errors."""
