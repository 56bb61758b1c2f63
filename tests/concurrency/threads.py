"""Real threads released at the same moment, each on its own database connection."""

import threading

from django.db import connection


def run_together(actions):
    """Runs each zero-argument action in its own thread, all released at once by a barrier.

    Returns, per action, what it returned or the exception it raised.
    """
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def worker(i):
        try:
            barrier.wait()
            outcomes[i] = actions[i]()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
