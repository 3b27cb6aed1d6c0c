"""What every data source shares: its error type, its description and buffer sizes."""

import dataclasses

__all__ = ["DatasetError", "DatasetInfo"]

CACHE_LIMIT_BYTES = 1 << 30
SHUFFLE_BUFFER = 10_000


class DatasetError(ValueError):
    """A dataset could not be found, read or decoded; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What `load` produced.

    Args:
        name: str. The dataset name or folder, as given to `load`.
        source: str. `"idx"`, `"folder"` or `"tfds"`.
        image_shape: tuple. `(H, W, C)` of the produced images.
        num_classes: int or None. Number of classes, when labels exist.
        num_examples: int or None. Examples in the split (before batching).
        class_names: tuple or None. Names of the label ids, when known.
    """

    name: str
    source: str
    image_shape: tuple
    num_classes: int | None
    num_examples: int | None
    class_names: tuple | None = None
