"""The Celery task of a bulk action on Contacts too big for a request (``campaigns.contacts.background``)."""

from celery import shared_task

from campaigns.contacts.bulk import bulk_action_run


# acks_late: a worker that dies mid-way leaves the message to be delivered again, and the action is run
# again from the start; every chunk already done is then found done (added, removed or deleted).
@shared_task(
    name="campaigns.tasks.run_contacts_bulk", acks_late=True, reject_on_worker_lost=True, time_limit=3600
)
def run_contacts_bulk(bulk_action_id):
    bulk_action_run(bulk_action_id=bulk_action_id)
