"""Input loaders: every supported file format (or in-memory array) to one ``Dataset``.

One module per family of formats, chosen by the file's extension: ``arrays`` (.npy, .npz,
in-memory arrays, and the checks every vectors source shares), ``delimited`` (.csv, .tsv),
``parquet``, ``raw`` (.bytes), ``demo``; ``tables`` types metadata columns and picks the
label column, ``images`` locates images, ``inputs`` puts it all together.
"""

from reportgen.io.files import file_sha256
from reportgen.io.inputs import dataset_from_arrays, load_dataset

__all__ = ["dataset_from_arrays", "file_sha256", "load_dataset"]
