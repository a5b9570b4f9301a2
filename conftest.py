"""Settings for everything pytest runs (tests, doctests, the notebooks under nbval), made before
any of it is imported. No test reaches the internet: HF_HUB_OFFLINE is set, and the default Hub
endpoint points at a closed local port so that a mistake fails at once instead of calling out.
Charts drawn while testing go to a temporary folder, so make test leaves figures/ untouched."""

import os
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.pop("HUBSHARE_SNAPSHOT", None)
os.environ["HUBSHARE_FIGURES"] = tempfile.mkdtemp(prefix="hubshare-test-figures-")
