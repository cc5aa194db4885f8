"""The deterministic multi-system sample data set (`c360 sample`): `generate` writes it, from people,
firms (`b2b`), purchases (`commerce`), word lists and the shared generator state; `files` holds the
output layouts and byte-deterministic writers."""

from loaders.sample.generate import write_sample

__all__ = ["write_sample"]
