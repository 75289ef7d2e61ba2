# An interactor that never writes nor reads: both sides wait, and the
# solution's wall time limit (shorter than ours) ends the run as TLE, as on
# any judge (the evidence cannot tell who is stuck); we are killed with it.
import time

time.sleep(3600)
