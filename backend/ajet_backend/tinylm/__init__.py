"""tinylm in PyTorch: the embedded model family of packages/tinylm (transformer, tokenizer, ChatML), so that
`python -m ajet_backend serve --model builtin:tinylm-calculator` serves the same policy the TypeScript runtime
runs in process."""

from ajet_backend.tinylm.loading import TinyLmFolder, is_tinylm_model, load_tinylm, read_tinylm_folder
from ajet_backend.tinylm.model import TinyLmModel
from ajet_backend.tinylm.tokenizer import TinyTokenizer

__all__ = ["TinyLmFolder", "TinyLmModel", "TinyTokenizer", "is_tinylm_model", "load_tinylm", "read_tinylm_folder"]
