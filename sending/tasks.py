from celery import shared_task

from sending.poller import poll_mailboxes as poll_all_mailboxes
from sending.scheduler import send_due_alone

# Wall-clock limits: a server that trickles its answers one byte at a time defeats socket timeouts, and a
# pass holds the one lock every later pass waits for. Past the limit the worker's child process is killed,
# its database connection (and so the pass's advisory lock) goes with it, and the next pass goes on.
PASS_TIME_LIMIT_SECONDS = 20 * 60


@shared_task(name="sending.tasks.send_due", acks_late=True, time_limit=PASS_TIME_LIMIT_SECONDS)
def send_due():
    """One scheduler pass (beat: every minute); skipped while another pass runs. Returns how many sent."""
    return send_due_alone()


@shared_task(name="sending.tasks.poll_mailboxes", acks_late=True, time_limit=PASS_TIME_LIMIT_SECONDS)
def poll_mailboxes():
    """One IMAP pass over every mailbox (beat: every 5 minutes); skipped while another pass runs. Returns
    ``[replies, bounces]`` recorded, or None when skipped."""
    return poll_all_mailboxes()
