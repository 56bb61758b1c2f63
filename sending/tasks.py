from celery import shared_task

from sending.scheduler import send_due_alone


@shared_task(name="sending.tasks.send_due", acks_late=True)
def send_due():
    """One scheduler pass (beat: every minute); skipped while another pass runs. Returns how many sent."""
    return send_due_alone()
