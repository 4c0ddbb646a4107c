"""reportage: Dutch spoken-word audio to a bilingual, chaptered, searchable transcript."""

import os
import signal

__version__ = "0.1.0"

# A worker process of a local cluster (`process --jobs`) leaves Ctrl-C, which the terminal sends
# to it too, to the run that started it, which stops it: from its first import, or it prints a
# KeyboardInterrupt traceback of a half-started worker (cluster.LOCAL_WORKER sets this).
if os.environ.get("REPORTAGE_LOCAL_WORKER"):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
