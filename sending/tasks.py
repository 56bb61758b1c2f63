from celery import shared_task

from sending.poller import poll_mailboxes as poll_all_mailboxes
from sending.scheduler import send_due_alone


@shared_task(name="sending.tasks.send_due", acks_late=True)
def send_due():
    """One scheduler pass (beat: every minute); skipped while another pass runs. Returns how many sent."""
    return send_due_alone()


@shared_task(name="sending.tasks.poll_mailboxes", acks_late=True)
def poll_mailboxes():
    """One IMAP pass over every mailbox (beat: every 5 minutes); skipped while another pass runs. Returns
    ``[replies, bounces]`` recorded, or None when skipped."""
    return poll_all_mailboxes()
