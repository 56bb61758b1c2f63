"""Telling the person who started an import that it finished: an email (Home lists it too)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

logger = logging.getLogger(__name__)


def summary(job):
    """The buckets of a job in a sentence, e.g. "1,200 created, 3 invalid"."""
    parts = [
        (job.created, "created"),
        (job.updated, "updated"),
        (job.already_in_campaign, "already in the campaign"),
        (job.duplicates, "duplicates"),
        (job.invalid, "invalid"),
        (job.over_limit, "over the active-leads limit"),
    ]
    return ", ".join(f"{count:,} {label}" for count, label in parts if count) or "no rows"


def notify_finished(job):
    user = job.created_by
    if user is None:
        return
    link = settings.SITE_URL.rstrip("/") + reverse("import_detail", args=[job.pk])
    into = f" into {job.campaign.name}" if job.campaign_id else " into your contacts"
    if job.status == job.Status.SUCCEEDED:
        subject = f"Your import of {job.filename} is done"
        outcome = f"Leadpool imported {job.filename}{into}: {job.rows_processed:,} rows, {summary(job)}."
    else:
        subject = f"Your import of {job.filename} stopped"
        outcome = f"Leadpool stopped importing {job.filename}{into}. {job.error}\nSo far: {summary(job)}."
    try:
        send_mail(
            subject=subject,
            message=f"{outcome}\n\nDetails and the error report: {link}\n",
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:
        logger.exception("Could not email %s about import %s", user.email, job.pk)
